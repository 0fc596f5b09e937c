import MDCA
import Synchronization

/// A clock that moves only when the test says so; `sleep(until:)` suspends until `advance`.
final class ManualClock: PacingClock {
    private struct State {
        var now: Duration = .zero
        var sleepers: [(deadline: Duration, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())
    private let registered: AsyncStream<Duration>.Continuation
    /// The deadline of every sleep that had to wait, in order.
    let sleeps: AsyncStream<Duration>

    init() {
        (sleeps, registered) = AsyncStream.makeStream()
    }

    var now: Duration { state.withLock { $0.now } }

    var pendingSleepers: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Duration) async throws(CancellationError) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if deadline <= s.now { return true }
                s.sleepers.append((deadline, c))
                return false
            }
            if ready { c.resume() } else { registered.yield(deadline) }
        }
    }

    func advance(to time: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now = max(s.now, time)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for c in due { c.resume() }
    }
}

/// A clock whose sleeps return at once, moving time to their deadline: retry loops run
/// instantly while every wait is still accounted for.
final class SkippingClock: PacingClock {
    private let state = Mutex<(now: Duration, slept: Duration)>((.zero, .zero))

    var now: Duration { state.withLock { $0.now } }
    /// Total time spent "sleeping".
    var slept: Duration { state.withLock { $0.slept } }

    func sleep(until deadline: Duration) async throws(CancellationError) {
        state.withLock { s in
            if deadline > s.now {
                s.slept += deadline - s.now
                s.now = deadline
            }
        }
    }
}
