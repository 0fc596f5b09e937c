import Foundation
import Forwarder
import Synchronization

/// A clock the test moves by hand: sleeps end only when `advance` passes their deadline, so a
/// nine-minute outage takes microseconds and no test waits for a fixed time.
final class TestClock: ForwarderClock, Sendable {
    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var sleeperWaiters: [CheckedContinuation<Void, Never>] = []
        /// Set by `finish()`: the work the test drives has ended.
        var finished = false
    }

    private let state = Mutex(State())
    /// The wall time at `now == .zero`.
    let epoch: Date

    init(epoch: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        self.epoch = epoch
    }

    var now: Duration { state.withLock { $0.now } }
    var wall: Date { epoch.addingTimeInterval(Double(now.components.seconds) + Double(now.components.attoseconds) / 1e18) }

    func sleep(until deadline: Duration) async throws(CancellationError) {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    let (resumeNow, waiters) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
                        if Task.isCancelled || deadline <= s.now { return (true, []) }
                        s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                        defer { s.sleeperWaiters = [] }
                        return (false, s.sleeperWaiters)
                    }
                    if resumeNow {
                        Task.isCancelled ? c.resume(throwing: CancellationError()) : c.resume()
                    }
                    waiters.forEach { $0.resume() }
                }
            } onCancel: {
                state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
            }
        } catch {
            throw CancellationError()
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline passed.
    func advance(by duration: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now += duration
            let ready = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in ready.keys { s.sleepers.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
        due.forEach { $0.resume() }
    }

    /// Waits (for an event, not a time) until something sleeps on this clock; returns how
    /// long until the earliest sleeper's deadline.
    func nextSleep() async -> Duration {
        while true {
            let pending = state.withLock { s in s.sleepers.values.map(\.deadline).min().map { $0 - s.now } }
            if let pending { return pending }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.sleepers.isEmpty { return true }
                    s.sleeperWaiters.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// The work the test drives through this clock has ended: wakes `nextSleepOrFinish`.
    func finish() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.finished = true
            defer { s.sleeperWaiters = [] }
            return s.sleeperWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Like `nextSleep`, but nil once `finish()` was called and nothing sleeps.
    func nextSleepOrFinish() async -> Duration? {
        while true {
            let (pending, finished) = state.withLock { s in (s.sleepers.values.map(\.deadline).min().map { $0 - s.now }, s.finished) }
            if let pending { return pending }
            if finished { return nil }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.sleepers.isEmpty || s.finished { return true }
                    s.sleeperWaiters.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// Advances exactly to the earliest sleeper's deadline and returns the wait it ended.
    @discardableResult
    func runNextSleep() async -> Duration {
        let wait = await nextSleep()
        advance(by: max(wait, .zero))
        return wait
    }
}
