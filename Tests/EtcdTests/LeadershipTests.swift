@testable import Etcd
import Foundation
import Synchronization
import Testing

/// The election and the fencing decisions against the in-memory etcd, on a clock the test moves.
@Suite struct LeadershipTests {
    let clock = ManualLeaseClock()
    let etcd: InMemoryEtcd
    let settings = LeadershipSettings(prefix: "/mdca/contoso", ttl: 6, instance: "a", skew: .seconds(1))

    init() {
        etcd = InMemoryEtcd(clock: clock)
    }

    func instance(_ name: String) -> Leadership {
        Leadership(kv: etcd, settings: LeadershipSettings(prefix: settings.prefix, ttl: settings.ttl, instance: name, skew: .seconds(1)),
                   clock: clock)
    }

    @Test func exactlyOneOfTwoCampaignersLeadsAndTheOtherNamesIt() async throws {
        let a = instance("a"), b = instance("b")
        guard case .leader(let record) = try await a.campaign() else { Issue.record("a should lead"); return }
        #expect(record.instance == "a")
        #expect(try await b.campaign() == .standby(leader: record))
        #expect(a.mayDeliver())
        #expect(!b.mayDeliver())
        #expect(try await b.leader() == record)
    }

    @Test func proofRunsOutAtSendTimePlusTTLMinusMarginWithoutKeepalive() async throws {
        let a = instance("a")
        _ = try await a.campaign()
        // TTL 6 s, skew 1 s, no measurable round trip: proven for 5 s.
        clock.advance(by: .milliseconds(4_990))
        #expect(a.mayDeliver())
        clock.advance(by: .milliseconds(20))
        #expect(!a.mayDeliver(), "a leader that cannot prove its lease sends nothing")
    }

    @Test func keepaliveExtendsTheProofFromItsSendTime() async throws {
        let a = instance("a")
        _ = try await a.campaign()
        clock.advance(by: .seconds(2))
        #expect(try await a.renew())
        clock.advance(by: .milliseconds(4_900))
        #expect(a.mayDeliver())
        #expect(a.timeLeft == .milliseconds(100))
    }

    /// A leader frozen (SIGSTOP, a suspended VM) past its lease: the key is gone, another
    /// instance leads, and on waking the old one may not deliver, its renewal says the lease is
    /// gone, and its checkpoint write fails the compare.
    @Test func pausedLeaderWakingAfterItsLeaseSendsNothing() async throws {
        let a = instance("a"), b = instance("b")
        _ = try await a.campaign()
        clock.advance(by: .seconds(7))   // a sleeps through its whole lease
        guard case .leader = try await b.campaign() else { Issue.record("b should lead once a's lease expired"); return }
        #expect(!a.mayDeliver())
        #expect(try await a.renew() == false)
        #expect(a.currentTerm == nil)
        await #expect(throws: LeadershipLost.self) { try await a.fencedPut(key: settings.checkpointKey, value: [1]) }
        #expect(etcd.peek(settings.checkpointKey) == nil)
        try await b.fencedPut(key: settings.checkpointKey, value: [2])
        #expect(etcd.peek(settings.checkpointKey)?.value == [2])
    }

    @Test func aFailedCompareIsLeadershipLost() async throws {
        let a = instance("a")
        _ = try await a.campaign()
        try await a.fencedPut(key: settings.checkpointKey, value: Array("one".utf8))
        // Someone rewrote the leader key (an operator, another tool): the fence holds.
        etcd.overwrite(settings.leaderKey, Array("intruder".utf8))
        await #expect(throws: LeadershipLost("the leader key changed (another instance leads)")) {
            try await a.fencedPut(key: settings.checkpointKey, value: Array("two".utf8))
        }
        #expect(etcd.peek(settings.checkpointKey)?.value == Array("one".utf8))
        #expect(!a.mayDeliver())
    }

    @Test func aRecreatedKeyWithTheSameValueIsNotOurs() async throws {
        // Same value but a new create revision (deleted and put back): the create_revision compare fences it.
        let a = instance("a")
        _ = try await a.campaign()
        let value = try #require(etcd.peek(settings.leaderKey)).value
        _ = try await etcd.txn(EtcdTxn(compare: [], success: [.delete(key: settings.leaderKey)]))
        etcd.overwrite(settings.leaderKey, value)
        await #expect(throws: LeadershipLost.self) { try await a.fencedPut(key: settings.checkpointKey, value: [1]) }
    }

    @Test func resignRevokesSoAStandbyLeadsAtOnce() async throws {
        let a = instance("a"), b = instance("b")
        _ = try await a.campaign()
        #expect(try await b.campaign() != .standby(leader: nil))
        try await a.resign()
        #expect(etcd.peek(settings.leaderKey) == nil)
        guard case .leader = try await b.campaign() else { Issue.record("b should lead after a resigned"); return }
    }

    /// No quorum: renewals fail, the proof runs out on the leader's own clock, and a checkpoint
    /// write gives up with LeadershipLost instead of waiting forever.
    @Test func noQuorumEndsTheProofAndTheCheckpointWrite() async throws {
        let a = instance("a")
        _ = try await a.campaign()
        etcd.setUnavailable(true)
        await #expect(throws: EtcdError.self) { try await a.renew() }
        clock.advance(by: .seconds(5))
        #expect(!a.mayDeliver())
        await #expect(throws: LeadershipLost.self) { try await a.fencedPut(key: settings.checkpointKey, value: [1]) }
        // Quorum back: the lease a gave up is revoked on its next campaign, and it can lead again.
        etcd.setUnavailable(false)
        guard case .leader = try await a.campaign() else { Issue.record("a should lead again"); return }
        #expect(a.mayDeliver())
    }

    @Test func aStandbyOnlyReadsTheKeyWhileSomeoneLeads() async throws {
        let a = instance("a"), b = instance("b")
        _ = try await a.campaign()
        let callsBefore = etcd.calls
        _ = try await b.campaign()
        #expect(etcd.calls == callsBefore + 1, "no lease, no transaction")
        #expect(etcd.leaseCount == 1)
    }

    /// b reads no leader key, grants a lease, but a creates the key first: b's transaction
    /// fails, b names a as leader and revokes its own lease at once.
    @Test func theLoserOfARaceRevokesItsLease() async throws {
        let a = instance("a")
        let racing = RacingKV(inner: etcd) { try await a.campaign() }
        let b = Leadership(kv: racing, settings: LeadershipSettings(prefix: settings.prefix, ttl: 6, instance: "b"), clock: clock)
        guard case .standby(let leader) = try await b.campaign() else { Issue.record("b must lose the race"); return }
        #expect(leader?.instance == "a")
        #expect(etcd.leaseCount == 1, "only a's lease is left")
        #expect(a.mayDeliver() && !b.mayDeliver())
    }
}

/// Runs `competitor` once, right after the first lease grant: a campaign that loses the race
/// between reading the key and creating it.
final class RacingKV: EtcdKV {
    let inner: InMemoryEtcd
    let competitor: @Sendable () async throws -> LeadershipRole
    let fired = Mutex(false)

    init(inner: InMemoryEtcd, competitor: @escaping @Sendable () async throws -> LeadershipRole) {
        self.inner = inner
        self.competitor = competitor
    }

    func grant(ttl: Int64) async throws(EtcdError) -> EtcdLease {
        let lease = try await inner.grant(ttl: ttl)
        if !fired.withLock({ let was = $0; $0 = true; return was }) { _ = try? await competitor() }
        return lease
    }

    func keepAlive(lease: Int64) async throws(EtcdError) -> Int64 { try await inner.keepAlive(lease: lease) }
    func revoke(lease: Int64) async throws(EtcdError) { try await inner.revoke(lease: lease) }
    func txn(_ txn: EtcdTxn) async throws(EtcdError) -> EtcdTxnResult { try await inner.txn(txn) }
    func get(_ key: [UInt8]) async throws(EtcdError) -> EtcdKeyValue? { try await inner.get(key) }
}
