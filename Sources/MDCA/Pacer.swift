/// The per-tenant token bucket (PRODUCT §3 "Pacing"): `requestsPerMinute` requests of
/// capacity, refilled continuously, shared by every request to the tenant's API.
///
/// Waiters reserve their token up front (the balance may go negative), so concurrent callers
/// are served in arrival order and each one sleeps exactly until its own token exists.
public actor Pacer {
    public nonisolated let requestsPerMinute: Int
    private let clock: any PacingClock
    private let perSecond: Double
    private var tokens: Double
    private var refilledAt: Duration

    public init(requestsPerMinute: Int, clock: any PacingClock = SystemPacingClock()) {
        let rpm = max(1, requestsPerMinute)
        self.requestsPerMinute = rpm
        self.clock = clock
        self.perSecond = Double(rpm) / 60
        self.tokens = Double(rpm)
        self.refilledAt = clock.now
    }

    /// Waits until a request may be sent, and takes its token.
    public func acquire() async throws(CancellationError) {
        refill()
        tokens -= 1
        let deadline = refilledAt + .seconds(max(0, -tokens) / perSecond)
        if deadline > clock.now {
            do {
                try await clock.sleep(until: deadline)
            } catch {
                tokens += 1   // the reservation is given back
                throw error
            }
        }
    }

    /// After a 429: nothing is sent before `deadline`, and then the bucket holds a single
    /// token, so the client does not burst straight back into the throttle.
    public func holdOff(until deadline: Duration) {
        refill()
        guard deadline > refilledAt || tokens > 1 else { return }
        refilledAt = max(refilledAt, deadline)
        tokens = min(tokens, 1)
    }

    private func refill() {
        let now = clock.now
        guard now > refilledAt else { return }
        tokens = min(Double(requestsPerMinute), tokens + (now - refilledAt).seconds * perSecond)
        refilledAt = now
    }
}
