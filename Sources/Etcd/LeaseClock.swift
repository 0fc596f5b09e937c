import Synchronization

/// A monotonic clock for lease arithmetic: time since an arbitrary origin. Injected so tests
/// can jump past a lease; the real one counts suspended time too (a frozen VM that wakes up
/// sees that its lease ran out).
public protocol LeaseClock: Sendable {
    func now() -> Duration
}

/// `ContinuousClock` (CLOCK_BOOTTIME on Linux: it keeps counting while the machine sleeps).
public struct ContinuousLeaseClock: LeaseClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }
}

/// A clock that moves only when told to (tests).
public final class ManualLeaseClock: LeaseClock {
    private let current = Mutex(Duration.zero)

    public init() {}

    public func now() -> Duration { current.withLock { $0 } }

    public func advance(by duration: Duration) { current.withLock { $0 += duration } }
}
