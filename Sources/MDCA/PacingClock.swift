/// The monotonic clock the pacer, the retry loop and the token cache read and sleep on,
/// injected so that tests can drive time by hand instead of sleeping.
public protocol PacingClock: Sendable {
    /// Time elapsed since an arbitrary, fixed origin.
    var now: Duration { get }
    /// Returns once `now >= deadline`; throws when the task is cancelled.
    func sleep(until deadline: Duration) async throws(CancellationError)
}

extension PacingClock {
    /// Sleeps for `duration` from now.
    public func sleep(for duration: Duration) async throws(CancellationError) {
        try await sleep(until: now + duration)
    }
}

/// The real clock: `ContinuousClock` (keeps counting while the host is suspended, so a
/// Retry-After deadline is never cut short).
public struct SystemPacingClock: PacingClock {
    private let origin: ContinuousClock.Instant

    public init() { origin = ContinuousClock.now }

    public var now: Duration { ContinuousClock.now - origin }

    public func sleep(until deadline: Duration) async throws(CancellationError) {
        do {
            try await ContinuousClock().sleep(until: origin + deadline, tolerance: .milliseconds(1))
        } catch {
            throw CancellationError()
        }
    }
}
