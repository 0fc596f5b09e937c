/// The per-tenant request limiter (PRODUCT §3 "Pacing"): never more than `requestsPerMinute`
/// requests in any rolling 60-second window, from the first request on, shared by every
/// request to the tenant's API.
///
/// A sliding-window log rather than a token bucket: a bucket that starts full and refills
/// continuously lets a catch-up send its capacity at once and then the refill on top (twice
/// the limit in the first minute), which a service counting a rolling window answers with 429.
/// The log keeps the send instants of the last `requestsPerMinute` reservations; a request may
/// go once the oldest of them is 60 s old.
///
/// Waiters reserve their instant up front, so concurrent callers are served in arrival order
/// and each one sleeps exactly until its own slot.
public actor Pacer {
    public nonisolated let requestsPerMinute: Int
    static let window: Duration = .seconds(60)
    private let clock: any PacingClock
    /// Send instants of the reservations of the last 60 s and of the waiters, oldest first.
    private var sent: [Duration] = []
    /// After a 429: nothing before `rampStart`, then one request every `window / rpm` for the
    /// next `requestsPerMinute` requests, so the client does not burst straight back into the
    /// throttle once the hold-off ends.
    private var rampStart: Duration?
    private var rampCount = 0

    public init(requestsPerMinute: Int, clock: any PacingClock = SystemPacingClock()) {
        self.requestsPerMinute = max(1, requestsPerMinute)
        self.clock = clock
    }

    /// Waits until a request may be sent, and takes its slot.
    public func acquire() async throws(CancellationError) {
        let slot = reserveSlot()
        if slot > clock.now {
            do {
                try await clock.sleep(until: slot)
            } catch {
                release(slot)
                throw error
            }
        }
    }

    /// After a 429: nothing is sent before `deadline`, and then requests are spread evenly
    /// (one per `60 s / requestsPerMinute`) instead of bursting.
    public func holdOff(until deadline: Duration) {
        guard deadline > clock.now else { return }
        rampStart = max(rampStart ?? deadline, deadline)
        rampCount = 0
    }

    /// The earliest instant that keeps every 60 s window within the limit, recorded.
    private func reserveSlot() -> Duration {
        var slot = clock.now
        if let last = sent.last { slot = max(slot, last) }   // arrival order
        if sent.count >= requestsPerMinute {
            slot = max(slot, sent[sent.count - requestsPerMinute] + Self.window)
        }
        if let start = rampStart {
            slot = max(slot, start + Self.window * (Double(rampCount) / Double(requestsPerMinute)))
            rampCount += 1
            if rampCount >= requestsPerMinute { rampStart = nil }
        }
        sent.append(slot)
        // Instants a full window old no longer count for any window that is still to come.
        let expired = sent.prefix { $0 <= clock.now - Self.window }.count
        if expired > 0 { sent.removeFirst(expired) }
        return slot
    }

    /// A cancelled waiter gives its reservation back. Later reservations keep their (later)
    /// slots: that only makes them more conservative, never over the limit.
    private func release(_ slot: Duration) {
        if let index = sent.lastIndex(of: slot) { sent.remove(at: index) }
    }
}
