import Curl
import Synchronization

/// How to reach the cluster.
public struct EtcdClientOptions: Sendable {
    /// Client URLs (`https://10.0.0.1:2379`), tried in turn.
    public var endpoints: [String]
    /// Time one attempt at one member may take before the next member is tried.
    public var attemptTimeout: Duration
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    /// etcd authentication; the password is never logged or put in an error.
    public var credentials: EtcdCredentials?

    public init(endpoints: [String], attemptTimeout: Duration = .seconds(2), caFile: String? = nil,
                certFile: String? = nil, keyFile: String? = nil, credentials: EtcdCredentials? = nil) {
        self.endpoints = endpoints
        self.attemptTimeout = attemptTimeout
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.credentials = credentials
    }
}

/// A user name and its password, for `/v3/auth/authenticate`.
public struct EtcdCredentials: Sendable, CustomStringConvertible {
    public var user: String
    let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    public var description: String { "EtcdCredentials(user: \(user))" }
}

/// etcd's v3 JSON gateway over libcurl. Every request goes to the member that answered last;
/// when it is down, has no leader or times out, the next member is tried, so one member of
/// three down (or a leader change) costs at most one attempt timeout.
public final class EtcdClient: EtcdKV {
    private let options: EtcdClientOptions
    private let clients: [HTTPClient]
    private let preferred = Mutex(0)
    /// The auth token of `options.credentials`, fetched on first use and again when refused.
    private let token = Mutex<String?>(nil)

    public init(options: EtcdClientOptions) throws(EtcdError) {
        guard !options.endpoints.isEmpty else { throw EtcdError(.refused, "no etcd endpoint configured") }
        self.options = options
        var clients: [HTTPClient] = []
        let http = HTTPClientOptions(
            connectTimeout: min(.seconds(1), options.attemptTimeout), totalTimeout: options.attemptTimeout,
            lowSpeedTime: options.attemptTimeout, caFile: options.caFile, maxResponseBytes: 16 << 20,
            userAgent: "mdca-forwarder", clientCertFile: options.certFile, clientKeyFile: options.keyFile)
        for _ in options.endpoints {
            do throws(CurlError) {
                clients.append(try HTTPClient(options: http))
            } catch {
                throw EtcdError(.refused, "cannot set up the etcd client: \(error)")
            }
        }
        self.clients = clients
    }

    public func grant(ttl: Int64) async throws(EtcdError) -> EtcdLease {
        try EtcdCodec.decodeGrant(try await post(EtcdCodec.Path.grant, EtcdCodec.grantRequest(ttl: ttl)))
    }

    public func keepAlive(lease: Int64) async throws(EtcdError) -> Int64 {
        try EtcdCodec.decodeKeepAlive(try await post(EtcdCodec.Path.keepAlive, EtcdCodec.leaseRequest(lease)))
    }

    public func revoke(lease: Int64) async throws(EtcdError) {
        do throws(EtcdError) {
            _ = try await post(EtcdCodec.Path.revoke, EtcdCodec.leaseRequest(lease))
        } catch where error.kind == .refused && error.message.contains("lease not found") {
            // Already expired or revoked: the goal (its keys gone) is reached.
        }
    }

    public func txn(_ txn: EtcdTxn) async throws(EtcdError) -> EtcdTxnResult {
        try EtcdCodec.decodeTxn(try await post(EtcdCodec.Path.txn, EtcdCodec.txnRequest(txn)))
    }

    public func get(_ key: [UInt8]) async throws(EtcdError) -> EtcdKeyValue? {
        try EtcdCodec.decodeRange(try await post(EtcdCodec.Path.range, EtcdCodec.rangeRequest(key))).first { $0.key == key }
    }

    /// One request, member after member, starting with the last one that answered.
    private func post(_ path: String, _ body: [UInt8]) async throws(EtcdError) -> [UInt8] {
        let start = preferred.withLock { $0 }
        var problems: [String] = []
        for step in 0..<clients.count {
            let index = (start + step) % clients.count
            do throws(EtcdError) {
                let answer = try await attempt(index, path, body)
                preferred.withLock { $0 = index }
                return answer
            } catch where error.kind == .unavailable || error.kind == .malformed {
                problems.append(error.message)
            }
        }
        throw EtcdError(.unavailable, "no etcd member answered: " + problems.joined(separator: "; "))
    }

    private func attempt(_ index: Int, _ path: String, _ body: [UInt8]) async throws(EtcdError) -> [UInt8] {
        do throws(EtcdError) {
            return try await exchange(index, path, body, token: try await authToken(index))
        } catch where options.credentials != nil && EtcdCodec.isInvalidToken(error) {
            token.withLock { $0 = nil }
            return try await exchange(index, path, body, token: try await authToken(index))
        }
    }

    private func authToken(_ index: Int) async throws(EtcdError) -> String? {
        guard let credentials = options.credentials else { return nil }
        if let current = token.withLock({ $0 }) { return current }
        let body = EtcdCodec.authenticateRequest(name: credentials.user, password: credentials.password)
        let fresh = try EtcdCodec.decodeAuthenticate(try await exchange(index, EtcdCodec.Path.authenticate, body, token: nil))
        token.withLock { $0 = fresh }
        return fresh
    }

    private func exchange(_ index: Int, _ path: String, _ body: [UInt8], token: String?) async throws(EtcdError) -> [UInt8] {
        let endpoint = options.endpoints[index]
        var headers = [HTTPHeader(name: "Content-Type", value: "application/json")]
        if let token { headers.append(HTTPHeader(name: "Authorization", value: token)) }
        let response: HTTPResponse
        do {
            response = try await clients[index].send(HTTPRequest(method: "POST", url: endpoint + path, headers: headers, body: body))
        } catch {
            throw EtcdError(.unavailable, "\(endpoint): \(error.message)")
        }
        if let failure = EtcdCodec.failure(status: response.status, body: response.body, endpoint: endpoint) { throw failure }
        return response.body
    }
}
