import Dispatch

/// A destination for messages (PRODUCT §4): udp, tcp, tls, file, stdout.
public protocol Output: Sendable {
    var name: String { get }
    /// Delivers the messages in order. Returns once every message was accepted by the
    /// transport (written to the socket or file); throws OutputError when it cannot. The
    /// caller retries the same batch with backoff; the output reconnects on the next call.
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

/// A serial queue that owns an output's blocking calls, so that they never run on Swift's
/// cooperative thread pool.
struct BlockingQueue: Sendable {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: "mdca-forwarder.output.\(label)")
    }

    /// Runs `body` on the queue and resumes with its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> Result<T, OutputError>) async throws(OutputError) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, OutputError>, Never>) in
            queue.async { continuation.resume(returning: body()) }
        }
        return try result.get()
    }

    /// Runs `body` on the queue and waits for it.
    func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                body()
                continuation.resume()
            }
        }
    }
}
