import MDCA

/// One window of a pass: the requests that read it and the policy that judges its records.
public struct StreamWindow<Plan: PageSource, Policy: RecordPolicy>: Sendable where Plan.Page.Record == Policy.Record {
    /// What the stream is doing while it reads this window (STATUS).
    public var phase: String
    public var plan: Plan
    public var policy: Policy

    public init(phase: String, plan: Plan, policy: Policy) {
        self.phase = phase
        self.plan = plan
        self.policy = policy
    }
}

/// A stream as the engine runs it: which windows one pass reads from the committed position
/// up to `now − settle_time`. Activities read one window (the created scan); alerts read the
/// alert window and, with closures on, the closures window. A window that does not complete
/// ends the pass, so a later window never moves past an unread earlier one.
///
/// Adding a stream is a `StreamSource` (its windows: request plan + policy) and a
/// `RecordPolicy`; pacing, delivery, checkpoint, health and shutdown are the engine's.
public protocol StreamSource: Sendable {
    associatedtype Plan: PageSource
    associatedtype Policy: RecordPolicy where Policy.Record == Plan.Page.Record
    typealias Position = Policy.Position

    func windows(from position: Position, untilMs: Int64) -> [StreamWindow<Plan, Policy>]
}
