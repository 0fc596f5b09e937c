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

/// How the simulated service counts its request budget (`--throttle-mode`).
public enum ThrottleMode: String, Sendable, CaseIterable {
    /// `TokenBucket`: refills continuously; forgiving of a request that comes a little early.
    case bucket
    /// `ArrivalWindow`: at most N arrivals in any rolling window, counted on the simulator's
    /// clock when the request arrives — as strict as a service can be (issue 18: the pacer
    /// must keep to it even when requests travel at different speeds).
    case rollingWindow = "rolling-window"
}

/// At most `limit` requests in any rolling `window` seconds, counted by arrival on the
/// simulator's monotonic clock. Refused requests do not count.
struct ArrivalWindow: Sendable {
    let limit: Int
    let window: Double
    /// Arrival instants still inside a window that may come, oldest first.
    private var arrivals: [Double] = []

    init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Counts an arrival at `now`; returns nil when allowed, else the whole seconds until the
    /// oldest counted arrival leaves the window.
    mutating func take(now: Double) -> Int? {
        // The window is (now − window, now]: an arrival exactly `window` earlier no longer counts.
        arrivals.removeAll { $0 <= now - window }
        if arrivals.count >= limit {
            return max(1, Int((arrivals[arrivals.count - limit] + window - now).rounded(.up)))
        }
        arrivals.append(now)
        return nil
    }
}

/// The simulator's request budget, in the mode it was started with.
enum RequestBudget: Sendable {
    case bucket(TokenBucket)
    case window(ArrivalWindow)

    init?(_ options: SimulatorOptions) {
        guard options.throttleRPM > 0 else { return nil }
        switch options.throttleMode {
        case .bucket:
            self = .bucket(TokenBucket(perMinute: options.throttleRPM, now: 0))
        case .rollingWindow:
            let window = options.throttleWindow
            self = .window(ArrivalWindow(
                limit: options.throttleRPM,
                window: Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18))
        }
    }

    mutating func take(now: Double) -> Int? {
        switch self {
        case .bucket(var bucket):
            defer { self = .bucket(bucket) }
            return bucket.take(now: now)
        case .window(var window):
            defer { self = .window(window) }
            return window.take(now: now)
        }
    }
}
