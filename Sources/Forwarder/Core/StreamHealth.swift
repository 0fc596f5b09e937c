import Checkpoint
import Foundation

/// Where a stream stands: the activities `Cursor`, the alerts' cursors. The views need only
/// its time.
public protocol StreamPosition: Sendable, Equatable {
    /// The cursor's time (Unix ms): `created` for activities, `timestamp` for alerts.
    var timestampMs: Int64 { get }
}

/// The totals the state file keeps per stream across restarts.
public struct LifetimeTotals: Sendable, Equatable {
    public var forwarded: UInt64 = 0
    public var pages: UInt64 = 0
    public var skipped: UInt64 = 0

    public init(forwarded: UInt64 = 0, pages: UInt64 = 0, skipped: UInt64 = 0) {
        self.forwarded = forwarded
        self.pages = pages
        self.skipped = skipped
    }
}

extension LifetimeTotals {
    /// The totals a state file's counters hold.
    public init(_ counters: ForwarderState.Counters) {
        self.init(forwarded: counters.recordsForwarded, pages: counters.pagesFetched, skipped: counters.recordsSkipped)
    }
}

/// What the views (STATUS=, the watchdog, `/metrics`) read of a stream's core, whatever its
/// cursor type.
public struct HealthSnapshot: Sendable, Equatable {
    public var stream: StreamName
    public var positionMs: Int64
    public var problem: Problem?
    public var lastError: Problem?
    public var phase: String
    public var lastSuccess: Date?
    public var counters: StreamCounters
}

/// A stream's core as the views see it.
public protocol StreamHealth: AnyObject, Sendable {
    var stream: StreamName { get }
    var clock: any ForwarderClock { get }
    func isAlive(at now: Duration) -> Bool
    func statusLine(now: Date) -> String
    var health: HealthSnapshot { get }
}

/// What the stream loop tells a core whatever its position type.
public protocol ProblemReporting: AnyObject, Sendable {
    @discardableResult
    func report(_ source: Problem.Source, _ text: String?) -> Bool
    func begin(_ phase: String, within limit: Duration)
}

/// A stream's core as the service drives it, whatever its position type.
public protocol StreamControl: StreamHealth, ProblemReporting {
    func waitForTurn()
}

extension StreamCore: StreamControl {}
