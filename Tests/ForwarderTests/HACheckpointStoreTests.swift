@testable import Forwarder
import Checkpoint
import Etcd
import Foundation
import Testing

/// The etcd checkpoint backend against the in-memory etcd: the state file's JSON, fenced.
@Suite struct HACheckpointStoreTests {
    let clock = ManualLeaseClock()
    let etcd: InMemoryEtcd
    let settings = LeadershipSettings(prefix: "/mdca/t", ttl: 6, instance: "a", skew: .seconds(1))

    init() { etcd = InMemoryEtcd(clock: clock) }

    static let state = ForwarderState(
        cursor: Cursor(createdMs: 1_700_000_000_123, tieIDs: ["x", "y"]),
        alerts: AlertStreamState(cursor: AlertCursor(timestampMs: 1_700_000_000_000)))

    @Test func savesExactlyTheStateFileJSONAndLoadsItBack() async throws {
        let leadership = Leadership(kv: etcd, settings: settings, clock: clock)
        _ = try await leadership.campaign()
        let store = EtcdCheckpointStore(leadership: leadership)
        #expect(try await store.load() == nil)
        try await store.save(Self.state)
        let stored = try #require(etcd.peek(settings.checkpointKey)).value
        #expect(stored == (try StateFile.encode(Self.state, source: "x")), "the same bytes as the state file")
        #expect(try await store.load() == Self.state)
        #expect(store.location == "etcd key /mdca/t/checkpoint")
    }

    @Test func aWriteAfterAnotherInstanceTookOverIsLeadershipLostAndChangesNothing() async throws {
        let a = Leadership(kv: etcd, settings: settings, clock: clock)
        _ = try await a.campaign()
        let store = EtcdCheckpointStore(leadership: a)
        try await store.save(Self.state)
        clock.advance(by: .seconds(7))   // a paused past its lease
        let b = Leadership(kv: etcd, settings: LeadershipSettings(prefix: "/mdca/t", ttl: 6, instance: "b"), clock: clock)
        guard case .leader = try await b.campaign() else { Issue.record("b should lead"); return }
        var moved = Self.state
        moved.cursor = Cursor(createdMs: 1_800_000_000_000, tieIDs: [])
        await #expect(throws: CheckpointError.self) { try await store.save(moved) }
        #expect(try await store.load() == Self.state)
        #expect(await !LeasePermit(leadership: a).mayDeliver())
        #expect(await LeasePermit(leadership: b).mayDeliver())
    }

    @Test func unreadableCheckpointIsAnIOErrorNamingTheKey() async throws {
        let leadership = Leadership(kv: etcd, settings: settings, clock: clock)
        etcd.overwrite(settings.checkpointKey, Array("{not json".utf8))
        let error = await #expect(throws: CheckpointError.self) { _ = try await EtcdCheckpointStore(leadership: leadership).load() }
        guard case .io(let io) = error else { Issue.record("expected .io, got \(String(describing: error))"); return }
        #expect(io.path == "etcd key /mdca/t/checkpoint")
    }
}
