/// Request bodies for etcd's v3 JSON gateway and decoders for its answers. Pure functions, so
/// they are tested without a server; `EtcdClient` only adds transport.
public enum EtcdCodec {
    public enum Path {
        public static let grant = "/v3/lease/grant"
        public static let keepAlive = "/v3/lease/keepalive"
        public static let revoke = "/v3/lease/revoke"
        public static let txn = "/v3/kv/txn"
        public static let range = "/v3/kv/range"
        public static let authenticate = "/v3/auth/authenticate"
    }

    // MARK: requests

    public static func grantRequest(ttl: Int64) -> [UInt8] { EtcdJSON.encode(["TTL": String(ttl)]) }
    public static func leaseRequest(_ id: Int64) -> [UInt8] { EtcdJSON.encode(["ID": String(id)]) }
    public static func rangeRequest(_ key: [UInt8]) -> [UInt8] { EtcdJSON.encode(["key": EtcdJSON.base64(key)]) }
    public static func authenticateRequest(name: String, password: String) -> [UInt8] {
        EtcdJSON.encode(["name": name, "password": password])
    }

    public static func txnRequest(_ txn: EtcdTxn) -> [UInt8] {
        EtcdJSON.encode([
            "compare": txn.compare.map(compare),
            "success": txn.success.map(operation),
            "failure": txn.failure.map(operation),
        ])
    }

    private static func compare(_ compare: EtcdCompare) -> EtcdJSON.Object {
        switch compare {
        case .createRevision(let key, let revision):
            return ["key": EtcdJSON.base64(key), "result": "EQUAL", "target": "CREATE", "create_revision": String(revision)]
        case .value(let key, let value):
            return ["key": EtcdJSON.base64(key), "result": "EQUAL", "target": "VALUE", "value": EtcdJSON.base64(value)]
        }
    }

    private static func operation(_ operation: EtcdOperation) -> EtcdJSON.Object {
        switch operation {
        case .put(let key, let value, let lease):
            var put: EtcdJSON.Object = ["key": EtcdJSON.base64(key), "value": EtcdJSON.base64(value)]
            if lease != 0 { put["lease"] = String(lease) }
            return ["request_put": put]
        case .range(let key):
            return ["request_range": ["key": EtcdJSON.base64(key)]]
        case .delete(let key):
            return ["request_delete_range": ["key": EtcdJSON.base64(key)]]
        }
    }

    // MARK: answers

    /// The error an HTTP answer stands for, nil for a 200. gRPC codes through the gateway:
    /// Unavailable (no leader, no quorum, member stopping), DeadlineExceeded (request timed
    /// out), Aborted and ResourceExhausted are worth another member; the rest is a refusal.
    public static func failure(status: Int, body: [UInt8], endpoint: String) -> EtcdError? {
        guard status != 200 else { return nil }
        let object = EtcdJSON.object(body)
        let message = (object?["message"] as? String) ?? (object?["error"] as? String) ?? "no etcd error message"
        let code = object.flatMap { EtcdJSON.int64($0, "code") } ?? 0
        let text = "\(endpoint): HTTP \(status): \(String(message.prefix(200)))"
        let retriable: Set<Int64> = [4, 8, 10, 14]
        if retriable.contains(code) || status >= 500 || message.contains("no leader") || message.contains("leader changed") {
            return EtcdError(.unavailable, text)
        }
        return EtcdError(.refused, text)
    }

    /// True when the answer says the auth token expired or is unknown (log in again).
    public static func isInvalidToken(_ error: EtcdError) -> Bool {
        error.message.contains("invalid auth token") || error.message.contains("user name is empty")
    }

    public static func decodeGrant(_ body: [UInt8]) throws(EtcdError) -> EtcdLease {
        let object = try top(body, "lease grant")
        if let problem = object["error"] as? String, !problem.isEmpty { throw EtcdError(.refused, "lease grant: \(String(problem.prefix(200)))") }
        guard let id = EtcdJSON.int64(object, "ID"), id != 0, let ttl = EtcdJSON.int64(object, "TTL"), ttl > 0 else {
            throw malformed("lease grant", "no lease ID or TTL")
        }
        return EtcdLease(id: id, ttl: ttl)
    }

    /// The TTL the keepalive restarted the lease with; 0 when the lease is gone.
    public static func decodeKeepAlive(_ body: [UInt8]) throws(EtcdError) -> Int64 {
        let object = try top(body, "lease keepalive")
        if let problem = object["error"] as? EtcdJSON.Object {
            let message = (problem["message"] as? String) ?? "error"
            throw EtcdError(.unavailable, "lease keepalive: \(String(message.prefix(200)))")
        }
        guard let result = object["result"] as? EtcdJSON.Object, let ttl = EtcdJSON.int64(result, "TTL"), ttl >= 0 else {
            throw malformed("lease keepalive", "no result")
        }
        return ttl
    }

    public static func decodeTxn(_ body: [UInt8]) throws(EtcdError) -> EtcdTxnResult {
        let object = try top(body, "txn")
        guard let succeeded = EtcdJSON.bool(object, "succeeded"), let revision = revision(object) else {
            throw malformed("txn", "no header revision or succeeded flag")
        }
        var ranges: [[EtcdKeyValue]] = []
        let responses = object["responses"] ?? [Any]()
        guard let list = responses as? [Any] else { throw malformed("txn", "responses is not a list") }
        for item in list {
            guard let response = item as? EtcdJSON.Object else { throw malformed("txn", "a response is not an object") }
            if let range = response["response_range"] {
                guard let range = range as? EtcdJSON.Object else { throw malformed("txn", "response_range is not an object") }
                ranges.append(try keyValues(range, "txn"))
            }
        }
        return EtcdTxnResult(succeeded: succeeded, revision: revision, ranges: ranges)
    }

    public static func decodeRange(_ body: [UInt8]) throws(EtcdError) -> [EtcdKeyValue] {
        try keyValues(try top(body, "range"), "range")
    }

    public static func decodeAuthenticate(_ body: [UInt8]) throws(EtcdError) -> String {
        let object = try top(body, "authenticate")
        guard let token = object["token"] as? String, !token.isEmpty,
              token.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw malformed("authenticate", "no usable token")
        }
        return token
    }

    // MARK: helpers

    private static func top(_ body: [UInt8], _ what: String) throws(EtcdError) -> EtcdJSON.Object {
        guard let object = EtcdJSON.object(body) else { throw malformed(what, "not a JSON object") }
        return object
    }

    private static func revision(_ object: EtcdJSON.Object) -> Int64? {
        guard let header = object["header"] as? EtcdJSON.Object, let revision = EtcdJSON.int64(header, "revision"), revision > 0 else { return nil }
        return revision
    }

    private static func keyValues(_ object: EtcdJSON.Object, _ what: String) throws(EtcdError) -> [EtcdKeyValue] {
        let kvs = object["kvs"] ?? [Any]()
        guard let list = kvs as? [Any] else { throw malformed(what, "kvs is not a list") }
        var result: [EtcdKeyValue] = []
        for item in list {
            guard let kv = item as? EtcdJSON.Object, let key = EtcdJSON.bytes(kv, "key"), let value = EtcdJSON.bytes(kv, "value"),
                  let create = EtcdJSON.int64(kv, "create_revision"), let mod = EtcdJSON.int64(kv, "mod_revision"),
                  let version = EtcdJSON.int64(kv, "version"), let lease = EtcdJSON.int64(kv, "lease") else {
                throw malformed(what, "a key-value pair has a field of the wrong type")
            }
            result.append(EtcdKeyValue(key: key, value: value, createRevision: create, modRevision: mod, version: version, lease: lease))
        }
        return result
    }

    private static func malformed(_ what: String, _ why: String) -> EtcdError {
        EtcdError(.malformed, "\(what): not an etcd gateway answer (\(why))")
    }
}
