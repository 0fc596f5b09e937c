import Synchronization

/// etcd's key-value and lease semantics in memory, on an injected clock: the fake that the
/// leadership and checkpoint tests run against (as `KafkaMockCluster` is for Kafka). Leases
/// expire when the clock passes their deadline, deleting their keys; `unavailable` makes every
/// call fail as a cluster without quorum does.
public final class InMemoryEtcd: EtcdKV {
    private struct Lease { var ttl: Int64; var deadline: Duration }
    private struct Store {
        var revision: Int64 = 1
        var nextLease: Int64 = 0x1000
        var kvs: [[UInt8]: EtcdKeyValue] = [:]
        var leases: [Int64: Lease] = [:]
        var unavailable = false
        var calls = 0
    }

    private let clock: any LeaseClock
    private let store = Mutex(Store())

    public init(clock: any LeaseClock) {
        self.clock = clock
    }

    /// While true every call throws `.unavailable` (no quorum); leases do not expire meanwhile,
    /// as etcd extends them when a new leader is elected.
    public func setUnavailable(_ flag: Bool) {
        store.withLock { store in
            if !flag, store.unavailable {
                let now = clock.now()
                for (id, lease) in store.leases { store.leases[id]?.deadline = now + .seconds(lease.ttl) }
            }
            store.unavailable = flag
        }
    }

    /// Leases alive now.
    public var leaseCount: Int { store.withLock { expire(&$0); return $0.leases.count } }

    /// Calls answered or refused so far.
    public var calls: Int { store.withLock { $0.calls } }

    /// The pair under `key` now, bypassing availability (test assertions).
    public func peek(_ key: [UInt8]) -> EtcdKeyValue? { store.withLock { expire(&$0); return $0.kvs[key] } }

    /// Writes a pair directly (another writer, or a test setting the stage).
    public func overwrite(_ key: [UInt8], _ value: [UInt8]) {
        store.withLock { store in
            store.revision += 1
            let old = store.kvs[key]
            store.kvs[key] = EtcdKeyValue(key: key, value: value, createRevision: old?.createRevision ?? store.revision,
                                          modRevision: store.revision, version: (old?.version ?? 0) + 1)
        }
    }

    public func grant(ttl: Int64) async throws(EtcdError) -> EtcdLease {
        try access { store in
            store.nextLease += 1
            store.leases[store.nextLease] = Lease(ttl: ttl, deadline: clock.now() + .seconds(ttl))
            return EtcdLease(id: store.nextLease, ttl: ttl)
        }
    }

    public func keepAlive(lease: Int64) async throws(EtcdError) -> Int64 {
        try access { store in
            guard let found = store.leases[lease] else { return 0 }
            store.leases[lease]?.deadline = clock.now() + .seconds(found.ttl)
            return found.ttl
        }
    }

    public func revoke(lease: Int64) async throws(EtcdError) {
        try access { store in
            store.leases[lease] = nil
            Self.dropKeys(of: [lease], in: &store)
        }
    }

    public func txn(_ txn: EtcdTxn) async throws(EtcdError) -> EtcdTxnResult {
        try access { store throws(EtcdError) in
            let holds = txn.compare.allSatisfy { compare in
                switch compare {
                case .createRevision(let key, let revision): return (store.kvs[key]?.createRevision ?? 0) == revision
                case .value(let key, let value): return store.kvs[key]?.value == value
                }
            }
            var ranges: [[EtcdKeyValue]] = []
            let operations = holds ? txn.success : txn.failure
            let writes = operations.contains { if case .range = $0 { false } else { true } }
            if writes { store.revision += 1 }
            for operation in operations {
                switch operation {
                case .put(let key, let value, let lease):
                    guard lease == 0 || store.leases[lease] != nil else { throw EtcdError(.refused, "etcdserver: requested lease not found") }
                    let old = store.kvs[key]
                    store.kvs[key] = EtcdKeyValue(key: key, value: value, createRevision: old?.createRevision ?? store.revision,
                                                  modRevision: store.revision, version: (old?.version ?? 0) + 1, lease: lease)
                case .range(let key):
                    ranges.append(store.kvs[key].map { [$0] } ?? [])
                case .delete(let key):
                    store.kvs[key] = nil
                }
            }
            return EtcdTxnResult(succeeded: holds, revision: store.revision, ranges: ranges)
        }
    }

    public func get(_ key: [UInt8]) async throws(EtcdError) -> EtcdKeyValue? {
        try access { store in store.kvs[key] }
    }

    private func access<T>(_ body: (inout Store) throws(EtcdError) -> T) throws(EtcdError) -> T {
        try store.withLock { (store: inout Store) throws(EtcdError) -> T in
            store.calls += 1
            guard !store.unavailable else { throw EtcdError(.unavailable, "in-memory etcd: no quorum") }
            expire(&store)
            return try body(&store)
        }
    }

    private func expire(_ store: inout Store) {
        guard !store.unavailable else { return }
        let now = clock.now()
        let expired = store.leases.filter { $0.value.deadline <= now }.map(\.key)
        for id in expired { store.leases[id] = nil }
        Self.dropKeys(of: Set(expired), in: &store)
    }

    private static func dropKeys(of leases: Set<Int64>, in store: inout Store) {
        guard !leases.isEmpty else { return }
        let doomed = store.kvs.filter { leases.contains($0.value.lease) }.map(\.key)
        if !doomed.isEmpty { store.revision += 1 }
        for key in doomed { store.kvs[key] = nil }
    }
}
