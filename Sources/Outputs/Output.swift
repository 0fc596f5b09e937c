import Dispatch

/// A destination for messages (PRODUCT §4, §11): udp, tcp, tls, relp, file, stdout, kafka.
public protocol Output: Sendable {
    var name: String { get }
    /// Whether each message must come with its record's `_id` as key (`MessageBatch.keyBytes`):
    /// Kafka's record key. False (the default) for everything else.
    var needsMessageKeys: Bool { get }
    /// Delivers the messages in order. Returns once every message was accepted as PRODUCT §4
    /// defines it per transport (udp: sent, no ICMP port-unreachable came back; tcp/tls:
    /// acknowledged by the receiving host's TCP stack; file: written to the file now at the
    /// path; relp: answered `200` by the receiver; kafka: reported delivered by the brokers);
    /// throws OutputError when it cannot. The caller retries the same batch with backoff; the
    /// output reconnects on the next call (relp resumes after the messages already acknowledged).
    func deliver(_ messages: MessageBatch) async throws(OutputError)
    /// Connects (or opens the file) without sending anything, for `mdca-forwarder test`.
    func probe() async throws(OutputError)
    /// Re-opens files (SIGHUP; rotation is also noticed without it). No-op for sockets.
    func reopen() async
    /// Flushes and closes.
    func shutdown() async
}

extension Output {
    public var needsMessageKeys: Bool { false }

    /// Delivers messages held as one array each (tests, tools).
    public func deliver(_ messages: [[UInt8]]) async throws(OutputError) {
        try await deliver(MessageBatch(messages))
    }
}
