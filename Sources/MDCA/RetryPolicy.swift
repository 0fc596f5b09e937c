#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long one logical request keeps trying (PRODUCT §3 "Pacing"): `run` retries forever,
/// `once` and `test` give up after a bound so that they can exit 69.
public struct RetryPolicy: Sendable {
    /// Give up after this many attempts (nil: no limit).
    public var maxAttempts: Int?
    /// Give up when the next wait would end later than this after the first attempt (nil: no limit).
    public var maxElapsed: Duration?
    /// Waits after 5xx, timeouts, transport errors and unusable bodies.
    public var backoff: Backoff
    /// The wait after a 429 without `Retry-After`.
    public var throttleWait: Duration
    /// Random extra wait added to `throttleWait` (0 … this).
    public var throttleJitter: Duration
    /// A random number in [0, 1] (injectable for tests).
    public var unit: @Sendable () -> Double
    /// The wall clock in Unix seconds, to read HTTP-date `Retry-After` values.
    public var wallClock: @Sendable () -> Int64
    /// The monotonic clock waits are measured on.
    public var clock: any PacingClock

    public init(
        maxAttempts: Int? = nil, maxElapsed: Duration? = nil, backoff: Backoff = Backoff(),
        throttleWait: Duration = .seconds(60), throttleJitter: Duration = .seconds(15),
        unit: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        wallClock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) },
        clock: any PacingClock = SystemPacingClock()
    ) {
        self.maxAttempts = maxAttempts
        self.maxElapsed = maxElapsed
        self.backoff = backoff
        self.throttleWait = throttleWait
        self.throttleJitter = throttleJitter
        self.unit = unit
        self.wallClock = wallClock
        self.clock = clock
    }

    /// `run`: never gives up on retryable errors.
    public static func forever(clock: any PacingClock = SystemPacingClock()) -> RetryPolicy {
        RetryPolicy(clock: clock)
    }

    /// `once`/`test`: gives up after `attempts` attempts or `elapsed` time, whichever comes first.
    public static func bounded(
        attempts: Int = 8, elapsed: Duration = .seconds(600), clock: any PacingClock = SystemPacingClock()
    ) -> RetryPolicy {
        RetryPolicy(maxAttempts: attempts, maxElapsed: elapsed, clock: clock)
    }

    /// The wait after a 429 whose `Retry-After` header is `header`.
    public func throttleDelay(retryAfter header: String?) -> Duration {
        if let asked = RetryAfter.parse(header, nowUnixSeconds: wallClock()) { return asked }
        return throttleWait + .seconds(throttleJitter.seconds * min(max(unit(), 0), 1))
    }
}
