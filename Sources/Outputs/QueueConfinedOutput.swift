import POSIX
/// What an output does on its own serial queue: the blocking, not thread-safe part — a
/// socket, a file descriptor, a RELP session. Only `QueueConfinedOutput` calls it, one call at
/// a time, on that queue.
protocol QueueConfinedBody: AnyObject {
    var name: String { get }
    /// Delivers a non-empty batch (see `Output.deliver`).
    func deliver(_ messages: MessageBatch) throws(OutputError)
    func probe() throws(OutputError)
    func reopen()
    func shutdown()
}

/// The one `Sendable` face of the udp, tcp, tls, relp, file and stdout outputs. Every call
/// into the body runs on the body's own `BlockingQueue` (never on the cooperative pool), so its
/// mutable state is only ever touched by one thread at a time: that rule, enforced here and
/// nowhere else, is what makes `@unchecked Sendable` sound.
final class QueueConfinedOutput: Output, @unchecked Sendable {
    let name: String
    private let queue: BlockingQueue
    /// Touched only inside `queue.run`.
    private let body: any QueueConfinedBody

    init(_ body: any QueueConfinedBody) {
        name = body.name
        queue = BlockingQueue(label: "mdca-forwarder.output.\(body.name)")
        self.body = body
    }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        guard !messages.isEmpty else { return }
        try await queue.run { [self] () throws(OutputError) in try body.deliver(messages) }
    }

    func probe() async throws(OutputError) {
        try await queue.run { [self] () throws(OutputError) in try body.probe() }
    }

    func reopen() async {
        await queue.run { [self] in body.reopen() }
    }

    func shutdown() async {
        await queue.run { [self] in body.shutdown() }
    }
}
