import Synchronization
/// The per-tenant request limiter (PRODUCT §3 "Pacing"): never more than `requestsPerMinute`
/// requests in any rolling 60-second window *as the server counts them* — by arrival, on its
/// own clock — from the first request on, shared by every request to the tenant's API.
///
/// A sliding-window log rather than a token bucket: a bucket that starts full and refills
/// continuously lets a catch-up send its capacity at once and then the refill on top (twice
/// the limit in the first minute), which a service counting a rolling window answers with 429.
///
/// Why the window is measured from each request's *answer*, not its sending: the server counts
/// a request when it arrives, somewhere between our sending it and our receiving its answer.
/// Spacing request n+N exactly 60 s after request n was *sent* lets a request that travels
/// faster than the one N before it arrive inside the server's minute (measured: 2 answers of
/// 429 in 90 at 30/min). The server cannot count a request after it answered it, so request
/// n+N leaves no earlier than 60 s + `margin` after the answer to request n (or the failure
/// that ended it): whatever the latency of either, their arrivals are more than a minute
/// apart. `margin` covers what that bound does not: a server that counts whole seconds or
/// on a clock slightly faster than ours. A request still in flight may arrive at any moment,
/// so it counts as arriving now (the streams take turns, so in practice none is), for at most
/// `inFlightLimit`: a caller that never reports the end cannot stop the tenant for ever.
///
/// Waiters reserve their instant up front, so concurrent callers are served in arrival order
/// and each one sleeps exactly until its own slot.
public actor Pacer {
    /// Changed by a reload (`tenant.requests_per_minute`) without starting the window over:
    /// the requests of the last minute still count against the new limit.
    private let limit: Mutex<Int>
    public nonisolated var requestsPerMinute: Int { limit.withLock { $0 } }

    /// A reload's new limit; the sliding-window log is kept.
    public nonisolated func setRequestsPerMinute(_ value: Int) {
        limit.withLock { $0 = max(1, value) }
    }
    /// The server's window.
    static let window: Duration = .seconds(60)
    /// Added to the window; see the type's comment.
    static let margin: Duration = .seconds(1)
    /// Longer than one attempt lasts (`tenant.request_timeout`, 120 s by default).
    static let inFlightLimit: Duration = .seconds(600)

    /// A reserved slot; hand it back to `finished` once the request was answered or failed.
    public struct Permit: Sendable, Equatable {
        let id: UInt64
        /// The earliest instant the request may be sent (on the pacer's clock).
        public let slot: Duration
    }

    private struct Entry {
        var id: UInt64
        var slot: Duration
        var answered: Duration?
        /// The latest instant the server can have counted this request, as known at `now`.
        func latestArrival(now: Duration) -> Duration {
            answered ?? max(slot, min(now, slot + Pacer.inFlightLimit))
        }
    }

    private let clock: any PacingClock
    /// The requests that may still count in a window to come, in slot order.
    private var entries: [Entry] = []
    private var nextID: UInt64 = 0
    /// After a 429: nothing before `rampStart`, then one request every `window / rpm` for the
    /// next `requestsPerMinute` requests, so the client does not burst straight back into the
    /// throttle once the hold-off ends.
    private var rampStart: Duration?
    private var rampCount = 0

    public init(requestsPerMinute: Int, clock: any PacingClock = SystemPacingClock()) {
        limit = Mutex(max(1, requestsPerMinute))
        self.clock = clock
    }

    /// Waits until a request may be sent, and takes its slot. Report its end with `finished`.
    @discardableResult
    public func acquire() async throws(CancellationError) -> Permit {
        let permit = reserve()
        if permit.slot > clock.now {
            do {
                try await clock.sleep(until: permit.slot)
            } catch {
                entries.removeAll { $0.id == permit.id }
                throw error
            }
        }
        return permit
    }

    /// The request of `permit` was answered (or failed) now: the server counted it no later.
    public func finished(_ permit: Permit) {
        let now = clock.now
        if let index = entries.firstIndex(where: { $0.id == permit.id }) {
            entries[index].answered = max(now, entries[index].slot)
        }
    }

    /// After a 429: nothing is sent before `deadline`, and then requests are spread evenly
    /// (one per `60 s / requestsPerMinute`) instead of bursting.
    public func holdOff(until deadline: Duration) {
        guard deadline > clock.now else { return }
        rampStart = max(rampStart ?? deadline, deadline)
        rampCount = 0
    }

    /// The earliest instant that keeps every window within the limit as the server counts it.
    /// For a new request sent at `t` to be the only one over the limit in no window, fewer
    /// than `requestsPerMinute` earlier requests may arrive after `t - window`: so `t` waits
    /// for the `requestsPerMinute`-th latest possible arrival plus the window and the margin.
    private func reserve() -> Permit {
        let requestsPerMinute = self.requestsPerMinute
        let now = clock.now
        entries.removeAll { $0.latestArrival(now: now) + Self.window + Self.margin <= now }
        var slot = now
        if let last = entries.last { slot = max(slot, last.slot) }   // arrival order
        if entries.count >= requestsPerMinute {
            let latest = entries.map { $0.latestArrival(now: now) }.sorted(by: >)
            slot = max(slot, latest[requestsPerMinute - 1] + Self.window + Self.margin)
        }
        if let start = rampStart {
            slot = max(slot, start + Self.window * (Double(rampCount) / Double(requestsPerMinute)))
            rampCount += 1
            if rampCount >= requestsPerMinute { rampStart = nil }
        }
        nextID += 1
        entries.append(Entry(id: nextID, slot: slot))
        return Permit(id: nextID, slot: slot)
    }
}
