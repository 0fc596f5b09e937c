import Curl
import Etcd
import Foundation
import TestSupport
import Testing

/// etcd authentication through the gateway (`/v3/auth/authenticate`, then the token on every
/// request), against a real member with auth enabled.
@Suite(.serialized) struct EtcdAuthTests {
    /// Sets up `root` (needed to enable auth) and a user `mdca` allowed to read and write
    /// under /mdca/, over the plain gateway (Debian's etcd-server ships no etcdctl).
    func enableAuth(_ endpoint: String) async throws {
        let http = try HTTPClient(options: HTTPClientOptions())
        func post(_ path: String, _ body: String) async throws {
            let response = try await http.send(HTTPRequest(method: "POST", url: endpoint + path,
                                                           headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
                                                           body: Array(body.utf8)))
            #expect(response.status == 200, "\(path): \(String(decoding: response.body, as: UTF8.self))")
        }
        let key = Data("/mdca/".utf8).base64EncodedString()
        let end = Data("/mdca0".utf8).base64EncodedString()
        try await post("/v3/auth/role/add", #"{"name":"root"}"#)
        try await post("/v3/auth/user/add", #"{"name":"root","password":"root-pw"}"#)
        try await post("/v3/auth/user/grant", #"{"user":"root","role":"root"}"#)
        try await post("/v3/auth/role/add", #"{"name":"forwarder"}"#)
        try await post("/v3/auth/role/grant", #"{"name":"forwarder","perm":{"permType":"READWRITE","key":"\#(key)","range_end":"\#(end)"}}"#)
        try await post("/v3/auth/user/add", #"{"name":"mdca","password":"mdca-pw"}"#)
        try await post("/v3/auth/user/grant", #"{"user":"mdca","role":"forwarder"}"#)
        try await post("/v3/auth/enable", "{}")
    }

    @Test func authenticatedClientWorksAndAWrongPasswordIsRefused() async throws {
        let cluster = try await EtcdCluster.start(members: 1)
        defer { cluster.stop() }
        try await enableAuth(cluster.endpoints[0])

        let client = try EtcdClient(options: EtcdClientOptions(
            endpoints: cluster.endpoints, credentials: EtcdCredentials(user: "mdca", password: "mdca-pw")))
        let lease = try await client.grant(ttl: 5)
        let key = Array("/mdca/auth/leader".utf8)
        let txn = EtcdTxn(compare: [.createRevision(key: key, equals: 0)], success: [.put(key: key, value: [1], lease: lease.id)])
        #expect(try await client.txn(txn).succeeded)
        #expect(try await client.get(key)?.value == [1])
        #expect(try await client.keepAlive(lease: lease.id) == 5)

        // Outside its prefix the user has no permission: a refusal, not a member problem.
        let denied = await #expect(throws: EtcdError.self) { _ = try await client.get(Array("/other".utf8)) }
        #expect(denied?.kind == .refused, "\(String(describing: denied))")

        let wrong = try EtcdClient(options: EtcdClientOptions(
            endpoints: cluster.endpoints, credentials: EtcdCredentials(user: "mdca", password: "not-it")))
        let refused = await #expect(throws: EtcdError.self) { _ = try await wrong.get(key) }
        #expect(refused?.kind == .refused)
        #expect(refused?.message.contains("authentication failed") == true, "\(String(describing: refused))")
        #expect(refused?.message.contains("not-it") == false, "the password is never in a message")

        // Without credentials, an auth-enabled cluster refuses too.
        let anonymous = try EtcdClient(options: EtcdClientOptions(endpoints: cluster.endpoints))
        await #expect(throws: EtcdError.self) { _ = try await anonymous.get(key) }
    }
}
