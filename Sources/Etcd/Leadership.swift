import Foundation
import Synchronization

/// Where a tenant's leader key and checkpoint live, and the lease rules.
public struct LeadershipSettings: Sendable, Equatable {
    /// The tenant's prefix (`state.etcd.key`).
    public var prefix: String
    /// Lease TTL in seconds.
    public var ttl: Int64
    public var instance: String
    /// Allowance for the difference between this host's clock rate and the etcd leader's,
    /// and for a batch in flight when the lease ends; the measured round trip is added.
    public var skew: Duration

    public init(prefix: String, ttl: Int64, instance: String, skew: Duration? = nil) {
        self.prefix = prefix
        self.ttl = ttl
        self.instance = instance
        self.skew = skew ?? max(.seconds(1), .seconds(ttl) / 10)
    }

    public var leaderKey: [UInt8] { Array((prefix + "/leader").utf8) }
    public var checkpointKey: [UInt8] { Array((prefix + "/checkpoint").utf8) }
    /// How often a leader renews its lease: three chances per TTL.
    public var keepAliveInterval: Duration { .seconds(ttl) / 3 }
}

/// This instance's view of the election.
public enum LeadershipRole: Sendable, Equatable {
    case leader(LeaderRecord)
    /// Someone else leads (or nobody, while a campaign is pending).
    case standby(leader: LeaderRecord?)
}

/// Leadership is gone (or cannot be proven): stop sending at once.
public struct LeadershipLost: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "leadership lost: \(reason)" }
}

/// One instance's side of the election for one tenant, on a lease (PRODUCT §13).
///
/// A term is proven, on this host's monotonic clock, until the *send* time of the last
/// successful grant or keepalive plus the TTL, minus the round trip and a skew allowance: the
/// server restarted the lease no earlier than that send time, so the key outlives the proof.
/// `mayDeliver()` is false once the proof runs out, whatever the network does.
public final class Leadership: Sendable {
    public let settings: LeadershipSettings
    private let kv: any EtcdKV
    private let clock: any LeaseClock
    private let wallClock: @Sendable () -> Date

    struct Term: Sendable {
        var lease: Int64
        var createRevision: Int64
        var value: [UInt8]
        var record: LeaderRecord
        var provenUntil: Duration
    }

    private struct State: Sendable {
        var term: Term?
        /// A lease of a term this instance gave up without reaching etcd: revoked when it can
        /// be, so that a standby does not wait for it to expire.
        var abandonedLease: Int64?
    }

    private let state = Mutex(State())

    public init(kv: any EtcdKV, settings: LeadershipSettings, clock: any LeaseClock = ContinuousLeaseClock(),
                wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.kv = kv
        self.settings = settings
        self.clock = clock
        self.wallClock = wallClock
    }

    /// True while this instance can prove it leads: the send permit checked before each batch.
    public func mayDeliver() -> Bool {
        guard let term = state.withLock({ $0.term }) else { return false }
        return clock.now() < term.provenUntil
    }

    /// The term's record while leading (even when the proof has run out and the caller has not
    /// stepped down yet).
    public var currentTerm: LeaderRecord? { state.withLock { $0.term?.record } }

    /// Proven time left, nil when not leading.
    public var timeLeft: Duration? {
        guard let term = state.withLock({ $0.term }) else { return nil }
        return max(.zero, term.provenUntil - clock.now())
    }

    /// One campaign step: leads already, or reads the leader key and, when it is absent,
    /// grants a lease and creates the key in a transaction that succeeds only if it still does
    /// not exist.
    public func campaign() async throws(EtcdError) -> LeadershipRole {
        if let term = state.withLock({ $0.term }) { return .leader(term.record) }
        try await revokeAbandoned()
        if let current = try await kv.get(settings.leaderKey) { return .standby(leader: LeaderRecord.decode(current.value)) }
        let sentAt = clock.now()
        let lease = try await kv.grant(ttl: settings.ttl)
        let record = LeaderRecord(instance: settings.instance, since: wallClock(), lease: lease.id)
        let value = record.bytes
        let txn = EtcdTxn(
            compare: [.createRevision(key: settings.leaderKey, equals: 0)],
            success: [.put(key: settings.leaderKey, value: value, lease: lease.id)],
            failure: [.range(key: settings.leaderKey)])
        let result: EtcdTxnResult
        do throws(EtcdError) {
            result = try await kv.txn(txn)
        } catch {
            // It may have been applied by a member that then stopped answering: revoking the
            // lease removes such a key instead of leaving it to block the tenant for a TTL.
            state.withLock { $0.abandonedLease = lease.id }
            throw error
        }
        let holder = result.ranges.first?.first
        let createRevision: Int64
        if result.succeeded {
            createRevision = result.revision
        } else if let holder, holder.value == value {
            // An earlier attempt of this very transaction was applied (same lease, same value).
            createRevision = holder.createRevision
        } else {
            state.withLock { $0.abandonedLease = lease.id }
            try? await revokeAbandoned()
            return .standby(leader: holder.map { LeaderRecord.decode($0.value) })
        }
        let term = Term(lease: lease.id, createRevision: createRevision, value: value, record: record,
                        provenUntil: proof(sentAt: sentAt, ttl: min(lease.ttl, settings.ttl)))
        state.withLock { $0.term = term }
        return .leader(record)
    }

    /// Renews the lease (call it every `keepAliveInterval` while leading). False when there
    /// is no term or etcd says the lease is gone (then the term ends here); an unreachable
    /// cluster leaves the proof as it was (it runs out on its own) and throws.
    public func renew() async throws(EtcdError) -> Bool {
        guard let term = state.withLock({ $0.term }) else { return false }
        let sentAt = clock.now()
        let ttl = try await kv.keepAlive(lease: term.lease)
        guard ttl > 0 else {
            stepDown(revoke: false)
            return false
        }
        let proven = proof(sentAt: sentAt, ttl: min(ttl, settings.ttl))
        state.withLock { state in
            if var current = state.term, current.lease == term.lease {
                current.provenUntil = max(current.provenUntil, proven)
                state.term = current
            }
        }
        return true
    }

    /// Writes `value` under `key` only if this instance still owns the leader key (its create
    /// revision and value both unchanged): the fenced checkpoint. A failed compare, or a
    /// cluster that stays unreachable until the proof runs out, is `LeadershipLost`.
    public func fencedPut(key: [UInt8], value: [UInt8]) async throws(LeadershipLost) {
        guard let term = state.withLock({ $0.term }) else { throw LeadershipLost("this instance is not the leader") }
        let txn = EtcdTxn(
            compare: [.createRevision(key: settings.leaderKey, equals: term.createRevision),
                      .value(key: settings.leaderKey, equals: term.value)],
            success: [.put(key: key, value: value, lease: 0)])
        var lastError: EtcdError?
        var attempts = 0
        while mayDeliver() && attempts < 100 {
            attempts += 1
            let result: EtcdTxnResult
            do throws(EtcdError) {
                result = try await kv.txn(txn)
            } catch {
                lastError = error
                // Another member, or the same after a leader change, a moment later.
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            guard result.succeeded else {
                stepDown(revoke: false)
                throw LeadershipLost("the leader key changed (another instance leads)")
            }
            return
        }
        stepDown()
        throw LeadershipLost("the checkpoint could not be written before the lease ran out: \(lastError?.message ?? "lease not proven")")
    }

    /// Gives up the term locally at once; the lease is revoked on the next contact with etcd
    /// (`resign` or `campaign`), unless `revoke` is false (someone else owns the key now).
    public func stepDown(revoke: Bool = true) {
        state.withLock { state in
            if revoke, let lease = state.term?.lease { state.abandonedLease = lease }
            state.term = nil
        }
    }

    /// Ends the term and revokes its lease, so that a standby takes over at once (SIGTERM).
    public func resign() async throws(EtcdError) {
        stepDown()
        try await revokeAbandoned()
    }

    /// The value under `key` (e.g. the checkpoint), nil when there is none. Not fenced: a
    /// read changes nothing.
    public func read(_ key: [UInt8]) async throws(EtcdError) -> [UInt8]? {
        try await kv.get(key)?.value
    }

    /// The current leader as etcd says, nil when nobody leads.
    public func leader() async throws(EtcdError) -> LeaderRecord? {
        try await kv.get(settings.leaderKey).map { LeaderRecord.decode($0.value) }
    }

    private func revokeAbandoned() async throws(EtcdError) {
        guard let lease = state.withLock({ $0.abandonedLease }) else { return }
        try await kv.revoke(lease: lease)
        state.withLock { if $0.abandonedLease == lease { $0.abandonedLease = nil } }
    }

    private func proof(sentAt: Duration, ttl: Int64) -> Duration {
        let roundTrip = clock.now() - sentAt
        return sentAt + .seconds(ttl) - roundTrip - settings.skew
    }
}
