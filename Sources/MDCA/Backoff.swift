/// Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
/// and Jitter"): attempt n waits a uniformly random time in [base, min(cap, base·2ⁿ⁻¹)], so
/// many forwarders hitting one failing service spread out instead of retrying in step.
public struct Backoff: Sendable, Equatable {
    /// The shortest wait (1 s, PRODUCT §3 "Pacing").
    public var base: Duration
    /// The longest wait (5 min).
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = max(base, cap)
    }

    /// The upper bound of the wait before retry number `attempt` (1-based).
    public func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let grown = base.seconds * Double(UInt64(1) << UInt64(exponent))
        return grown >= cap.seconds ? cap : .seconds(grown)
    }

    /// The wait before retry number `attempt` (1-based); `unit` is a random number in [0, 1].
    public func delay(attempt: Int, unit: Double) -> Duration {
        let low = base.seconds
        let high = ceiling(attempt: attempt).seconds
        let u = min(max(unit, 0), 1)
        return .seconds(low + (high - low) * u)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }
}
