import Synchronization

/// Counts accepted configurations (SIGHUP reloads) and wakes whoever waits for the next one:
/// the poll sleep, and an output's retry wait, so that a reload that fixes an output takes
/// effect within seconds, not after a retry loop that may never end (PRODUCT §7).
///
/// Several waiters at once (unlike a one-shot wake-up), each waiting for "a generation newer
/// than the one I was built with", so a reload that lands between two waits is not lost.
public final class ConfigGeneration: Sendable {
    private struct State {
        var generation = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var current: Int { state.withLock { $0.generation } }

    /// A new configuration was accepted.
    public func advance() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation += 1
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the generation is newer than `generation`, or when the task is cancelled.
    public func wait(past generation: Int) async {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.generation > generation || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
