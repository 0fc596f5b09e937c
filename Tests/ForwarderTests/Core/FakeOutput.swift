import Outputs
import Synchronization

/// An output under the test's control: it records what it accepted and fails while `down`.
final class FakeOutput: Output, Sendable {
    let name: String
    private let state = Mutex<(accepted: [String], down: Bool, attempts: Int)>(([], false, 0))

    /// Called after each accepted batch (tests trigger a shutdown from here).
    let onAccepted: @Sendable () -> Void

    init(name: String, onAccepted: @escaping @Sendable () -> Void = {}) {
        self.name = name
        self.onAccepted = onAccepted
    }

    var accepted: [String] { state.withLock { $0.accepted } }
    var attempts: Int { state.withLock { $0.attempts } }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        let down = state.withLock { s -> Bool in
            s.attempts += 1
            if !s.down { s.accepted += messages.map { String(decoding: $0, as: UTF8.self) } }
            return s.down
        }
        if !down { onAccepted() }
        if down {
            throw OutputError(kind: .connect, output: name, url: "tcp://127.0.0.1:9", operation: "connect to 127.0.0.1:9", reason: "Connection refused (errno 111)")
        }
    }

    func probe() async throws(OutputError) {}
    func reopen() async {}
    func shutdown() async {}
}
