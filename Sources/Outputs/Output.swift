import Dispatch

/// A destination for messages (PRODUCT §4, §11): udp, tcp, tls, relp, file, stdout.
public protocol Output: Sendable {
    var name: String { get }
    /// Delivers the messages in order. Returns once every message was accepted by the
    /// transport (written to the socket or file; relp: acknowledged by the receiver); throws
    /// OutputError when it cannot. The caller retries the same batch with backoff; the output
    /// reconnects on the next call.
    func deliver(_ messages: MessageBatch) async throws(OutputError)
    /// Connects (or opens the file) without sending anything, for `mdca-forwarder test`.
    func probe() async throws(OutputError)
    /// Re-opens files (SIGHUP, logrotate). No-op for sockets.
    func reopen() async
    /// Flushes and closes.
    func shutdown() async
}

extension Output {
    /// Delivers messages held as one array each (tests, tools).
    public func deliver(_ messages: [[UInt8]]) async throws(OutputError) {
        try await deliver(MessageBatch(messages))
    }
}
