/// One key-value pair as etcd stores it (mvccpb.KeyValue).
public struct EtcdKeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    /// The revision that created the key; 0 means the key does not exist.
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64
    /// The lease the key is attached to; 0 for none.
    public var lease: Int64

    public init(key: [UInt8], value: [UInt8], createRevision: Int64, modRevision: Int64 = 0, version: Int64 = 1, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// One compare of a transaction: the transaction's success branch runs only if all hold.
public enum EtcdCompare: Sendable, Equatable {
    /// `create_revision(key) == revision`; 0 means "the key does not exist".
    case createRevision(key: [UInt8], equals: Int64)
    /// `value(key) == value`; false when the key does not exist.
    case value(key: [UInt8], equals: [UInt8])
}

/// One operation of a transaction branch.
public enum EtcdOperation: Sendable, Equatable {
    /// Put, attached to `lease` when it is not 0.
    case put(key: [UInt8], value: [UInt8], lease: Int64)
    case range(key: [UInt8])
    case delete(key: [UInt8])
}

/// A transaction: `if all(compare) then success else failure`, atomically.
public struct EtcdTxn: Sendable, Equatable {
    public var compare: [EtcdCompare]
    public var success: [EtcdOperation]
    public var failure: [EtcdOperation]

    public init(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) {
        self.compare = compare
        self.success = success
        self.failure = failure
    }
}

/// What a transaction answered.
public struct EtcdTxnResult: Sendable, Equatable {
    /// True when every compare held and the success branch ran.
    public var succeeded: Bool
    /// The store's revision after the transaction (the put's revision when it wrote).
    public var revision: Int64
    /// For each range operation of the branch that ran, in order: the pairs it found.
    public var ranges: [[EtcdKeyValue]]

    public init(succeeded: Bool, revision: Int64, ranges: [[EtcdKeyValue]] = []) {
        self.succeeded = succeeded
        self.revision = revision
        self.ranges = ranges
    }
}

/// A granted lease.
public struct EtcdLease: Sendable, Equatable {
    public var id: Int64
    /// Seconds the server granted.
    public var ttl: Int64

    public init(id: Int64, ttl: Int64) {
        self.id = id
        self.ttl = ttl
    }
}

/// The operations the forwarder needs from etcd: what `EtcdClient` does over the JSON gateway
/// and what a test's in-memory etcd implements.
public protocol EtcdKV: Sendable {
    func grant(ttl: Int64) async throws(EtcdError) -> EtcdLease
    /// Renews the lease; returns the TTL the server restarted it with, 0 when the lease no
    /// longer exists (it expired or was revoked).
    func keepAlive(lease: Int64) async throws(EtcdError) -> Int64
    /// Revokes the lease and deletes its keys; a lease that no longer exists is not an error.
    func revoke(lease: Int64) async throws(EtcdError)
    func txn(_ txn: EtcdTxn) async throws(EtcdError) -> EtcdTxnResult
    /// The pair stored under exactly `key`, nil when there is none.
    func get(_ key: [UInt8]) async throws(EtcdError) -> EtcdKeyValue?
}
