import ServiceLifecycle
import Synchronization

/// Waits for work that may block on a receiver, but after graceful shutdown began only until
/// the process's one shutdown deadline (swift-service-lifecycle: cancellation is the
/// escalation, and a blocking socket write cannot be cancelled at all).
///
/// Why an unstructured task: a child task of a group would make the group wait for the
/// blocked write, which is exactly what must not hold the stop. The abandoned write ends on
/// its own write timeout or with the process.
enum FirstOf {
    static func race<T: Sendable>(until deadline: ShutdownDeadline, _ work: @escaping @Sendable () async -> T) async -> T? {
        let gate = Gate<T>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            gate.set(continuation)
            let timer = Task {
                do {
                    try await gracefulShutdown()
                    try await deadline.clock.sleep(until: deadline.start())
                } catch {
                    return  // cancelled: the work finished first
                }
                gate.resume(nil)
            }
            Task {
                let value = await work()
                timer.cancel()
                gate.resume(value)
            }
        }
    }

    /// Resumes its continuation once, with whichever value comes first.
    private final class Gate<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T?, Never>?>(nil)

        func set(_ c: CheckedContinuation<T?, Never>) { continuation.withLock { $0 = c } }

        func resume(_ value: T?) {
            continuation.withLock { c -> CheckedContinuation<T?, Never>? in
                defer { c = nil }
                return c
            }?.resume(returning: value)
        }
    }
}
