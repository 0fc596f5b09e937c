import Foundation
import Synchronization

/// What the pipeline is doing right now, shared with the systemd STATUS line, the watchdog
/// and the state file's `problem` field.
///
/// The watchdog contract (PRODUCT §7) is "ping only while the pipeline makes progress or is
/// healthily waiting". Instead of guessing from timestamps, every step the pipeline takes
/// announces how long it may legitimately take (`expectProgress(within:)`): a fetch may take
/// the request timeout, a poll sleep the poll interval, a backoff its delay. A pipeline that
/// overruns its own announced deadline is wedged, and the watchdog stops pinging.
public final class StatusBoard: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var cursorMs: Int64?
        public var forwarded: UInt64 = 0
        public var problem: String?
        public var phase: String = "starting"
        public var progressDeadline: ContinuousClock.Instant?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Announces the next step and how long it may take before the pipeline counts as wedged.
    public func expectProgress(_ phase: String, within limit: Duration) {
        let deadline = ContinuousClock.now.advanced(by: limit)
        state.withLock {
            $0.phase = phase
            $0.progressDeadline = deadline
        }
    }

    /// True while the pipeline is inside the time it announced for its current step.
    public func isAlive(at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { s in s.progressDeadline.map { now <= $0 } ?? true }
    }

    public func delivered(count: Int, cursorMs: Int64) {
        state.withLock {
            $0.forwarded += UInt64(count)
            $0.cursorMs = cursorMs
        }
    }

    public func restore(cursorMs: Int64, forwarded: UInt64) {
        state.withLock {
            $0.cursorMs = cursorMs
            $0.forwarded = forwarded
        }
    }

    /// Sets or clears the current problem; returns true when it changed (callers log and
    /// persist only changes, not every retry).
    @discardableResult
    public func setProblem(_ problem: String?) -> Bool {
        state.withLock { s in
            guard s.problem != problem else { return false }
            s.problem = problem
            return true
        }
    }

    /// The one-line systemd STATUS= text: cursor time, lag, forwarded count, current problem.
    public func statusLine(now: Date = Date()) -> String {
        let s = snapshot
        var parts: [String] = []
        if let ms = s.cursorMs {
            let cursor = Date(timeIntervalSince1970: Double(ms) / 1000)
            parts.append("cursor \(ISO8601.string(cursor))")
            parts.append("lag \(HumanDuration.format(seconds: max(0, now.timeIntervalSince(cursor))))")
        } else {
            parts.append("no cursor yet")
        }
        parts.append("forwarded \(s.forwarded)")
        if let problem = s.problem {
            parts.append("problem: \(problem)")
        } else {
            parts.append(s.phase)
        }
        return parts.joined(separator: ", ")
    }
}
