/// The service's per-tenant request budget (PRODUCT §2: 30 requests per minute): a bucket of
/// `perMinute` tokens refilled continuously. Times are seconds on a monotonic clock.
struct TokenBucket: Sendable {
    let capacity: Double
    let refillPerSecond: Double
    private var tokens: Double
    private var last: Double

    init(perMinute: Int, now: Double) {
        capacity = Double(perMinute)
        refillPerSecond = Double(perMinute) / 60
        tokens = capacity
        last = now
    }

    /// Takes a token; returns nil when allowed, else the whole seconds until one is available.
    mutating func take(now: Double) -> Int? {
        tokens = min(capacity, tokens + (now - last) * refillPerSecond)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return max(1, Int(((1 - tokens) / refillPerSecond).rounded(.up)))
    }
}
