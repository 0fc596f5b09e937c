@testable import Etcd
import Foundation
import Testing

/// The gateway's JSON both ways, checked without a server; answers captured from etcd 3.4.
@Suite struct EtcdCodecTests {
    static let header = #""header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"}"#

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func grantRequestSendsTTLAsString() throws {
        #expect(try json(EtcdCodec.grantRequest(ttl: 5))["TTL"] as? String == "5")
        #expect(try json(EtcdCodec.leaseRequest(-2))["ID"] as? String == "-2")
    }

    @Test func txnRequestEncodesComparesAndOperationsInBase64() throws {
        let txn = EtcdTxn(
            compare: [.createRevision(key: Array("/t/leader".utf8), equals: 0), .value(key: Array("/t/leader".utf8), equals: [0, 255])],
            success: [.put(key: Array("/t/leader".utf8), value: Array("a".utf8), lease: 42), .put(key: [1], value: [], lease: 0)],
            failure: [.range(key: Array("/t/leader".utf8)), .delete(key: [2])])
        let object = try json(EtcdCodec.txnRequest(txn))
        let compare = try #require(object["compare"] as? [[String: Any]])
        #expect(compare[0]["key"] as? String == "L3QvbGVhZGVy")
        #expect(compare[0]["target"] as? String == "CREATE")
        #expect(compare[0]["create_revision"] as? String == "0")
        #expect(compare[1]["target"] as? String == "VALUE")
        #expect(compare[1]["value"] as? String == "AP8=")
        let success = try #require(object["success"] as? [[String: [String: Any]]])
        #expect(success[0]["request_put"]?["lease"] as? String == "42")
        #expect(success[0]["request_put"]?["value"] as? String == "YQ==")
        #expect(success[1]["request_put"]?["lease"] == nil, "lease 0 means none and is left out")
        let failure = try #require(object["failure"] as? [[String: [String: Any]]])
        #expect(failure[0]["request_range"]?["key"] as? String == "L3QvbGVhZGVy")
        #expect(failure[1]["request_delete_range"]?["key"] as? String == "Ag==")
    }

    @Test func decodesARealGrant() throws {
        let body = Array(#"{\#(Self.header),"ID":"2324035850336699654","TTL":"5"}"#.utf8)
        #expect(try EtcdCodec.decodeGrant(body) == EtcdLease(id: 2_324_035_850_336_699_654, ttl: 5))
    }

    @Test func decodesKeepAliveAndAGoneLease() throws {
        let alive = Array(#"{"result":{\#(Self.header),"ID":"7","TTL":"5"}}"#.utf8) + [0x0A]
        #expect(try EtcdCodec.decodeKeepAlive(alive) == 5)
        // A lease that expired or was revoked: TTL left out (proto3 default 0).
        let gone = Array(#"{"result":{\#(Self.header),"ID":"7"}}"#.utf8)
        #expect(try EtcdCodec.decodeKeepAlive(gone) == 0)
        let streamError = Array(#"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}}"#.utf8)
        #expect(throws: EtcdError(.unavailable, "lease keepalive: etcdserver: no leader")) { try EtcdCodec.decodeKeepAlive(streamError) }
    }

    @Test func decodesTxnSuccessAndFailureWithTheHolder() throws {
        let won = Array(#"{\#(Self.header),"succeeded":true,"responses":[{"response_put":{"header":{"revision":"2"}}}]}"#.utf8)
        #expect(try EtcdCodec.decodeTxn(won) == EtcdTxnResult(succeeded: true, revision: 2))
        let lost = Array(#"{\#(Self.header),"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"L3QvbGVhZGVy","create_revision":"2","mod_revision":"2","version":"1","value":"YQ==","lease":"2324035850336699656"}],"count":"1"}}]}"#.utf8)
        let result = try EtcdCodec.decodeTxn(lost)
        #expect(!result.succeeded)
        #expect(result.ranges == [[EtcdKeyValue(key: Array("/t/leader".utf8), value: Array("a".utf8), createRevision: 2,
                                                modRevision: 2, version: 1, lease: 2_324_035_850_336_699_656)]])
        // A failed compare without a failure branch: only the header.
        #expect(try EtcdCodec.decodeTxn(Array("{\(Self.header)}".utf8)) == EtcdTxnResult(succeeded: false, revision: 2))
    }

    @Test func decodesRangeFoundAndEmpty() throws {
        let found = Array(#"{\#(Self.header),"kvs":[{"key":"eA==","create_revision":"3","mod_revision":"4","version":"2","value":"eQ=="}],"count":"1"}"#.utf8)
        #expect(try EtcdCodec.decodeRange(found) == [EtcdKeyValue(key: [0x78], value: [0x79], createRevision: 3, modRevision: 4, version: 2)])
        #expect(try EtcdCodec.decodeRange(Array("{\(Self.header)}".utf8)).isEmpty)
    }

    @Test func classifiesGatewayErrors() {
        let noLeader = Array(#"{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}"#.utf8)
        #expect(EtcdCodec.failure(status: 503, body: noLeader, endpoint: "http://a")?.kind == .unavailable)
        let timedOut = Array(#"{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":4}"#.utf8)
        #expect(EtcdCodec.failure(status: 504, body: timedOut, endpoint: "http://a")?.kind == .unavailable)
        let notFound = Array(#"{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}"#.utf8)
        let refusal = EtcdCodec.failure(status: 404, body: notFound, endpoint: "http://a")
        #expect(refusal?.kind == .refused)
        #expect(refusal?.message == "http://a: HTTP 404: etcdserver: requested lease not found")
        let badToken = Array(#"{"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16}"#.utf8)
        #expect(EtcdCodec.failure(status: 401, body: badToken, endpoint: "http://a").map(EtcdCodec.isInvalidToken) == true)
        #expect(EtcdCodec.failure(status: 502, body: Array("<html>proxy</html>".utf8), endpoint: "http://a")?.kind == .unavailable)
        #expect(EtcdCodec.failure(status: 200, body: [], endpoint: "http://a") == nil)
    }

    @Test func authenticateTokenMustBeAHeaderValue() throws {
        #expect(try EtcdCodec.decodeAuthenticate(Array(#"{\#(Self.header),"token":"abc.15"}"#.utf8)) == "abc.15")
        #expect(throws: EtcdError.self) { try EtcdCodec.decodeAuthenticate(Array(#"{"token":"a\r\nX-Evil: 1"}"#.utf8)) }
        #expect(throws: EtcdError.self) { try EtcdCodec.decodeAuthenticate(Array(#"{"token":""}"#.utf8)) }
    }

    /// Whatever a broken or hostile endpoint answers, the decoders throw `.malformed` (or a
    /// refusal) and never trap.
    static let hostile: [String] = [
        "", "null", "[]", "42", "\"x\"", "{", "{\"header\":5}", "{\"header\":{\"revision\":\"x\"}}",
        "{\"header\":{\"revision\":\"99999999999999999999999\"}}", "{\"header\":{\"revision\":1.5}}",
        "{\"header\":{\"revision\":\"2\"},\"succeeded\":\"yes\"}", "{\"header\":{\"revision\":\"2\"},\"responses\":{}}",
        "{\"header\":{\"revision\":\"2\"},\"responses\":[5]}", "{\"header\":{\"revision\":\"2\"},\"responses\":[{\"response_range\":[]}]}",
        "{\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":\"!!notbase64\"}]}", "{\"kvs\":\"x\"}", "{\"kvs\":[null]}",
        "{\"kvs\":[{\"key\":\"eA==\",\"create_revision\":{}}]}", "{\"ID\":\"0\",\"TTL\":\"5\"}", "{\"ID\":\"7\",\"TTL\":\"-1\"}",
        "{\"ID\":\"7\",\"TTL\":\"5\",\"error\":\"lease exists\"}", "{\"result\":[]}", "{\"result\":{\"TTL\":\"-3\"}}",
        "{\"token\":5}", "\u{FEFF}{\"a\":1}", "{\"a\":\"\u{0}\"}",
    ]

    /// Deep nesting (a parser that recursed per level would overflow the stack).
    @Test func deeplyNestedAnswerIsMalformed() {
        hostileAnswersNeverTrap(String(repeating: "[", count: 100_000))
        hostileAnswersNeverTrap(String(repeating: "{\"a\":", count: 50_000))
    }

    @Test(arguments: hostile)
    func hostileAnswersNeverTrap(_ text: String) {
        let body = Array(text.utf8)
        #expect(throws: EtcdError.self) { try EtcdCodec.decodeGrant(body) }
        #expect(throws: EtcdError.self) { try EtcdCodec.decodeKeepAlive(body) }
        #expect(throws: EtcdError.self) { try EtcdCodec.decodeAuthenticate(body) }
        _ = try? EtcdCodec.decodeTxn(body)
        _ = try? EtcdCodec.decodeRange(body)
        _ = EtcdCodec.failure(status: 500, body: body, endpoint: "http://a")
    }

    @Test func leaderRecordRoundTripsAndForeignValuesAreShownNotTrusted() {
        let record = LeaderRecord(instance: "collector-a", since: Date(timeIntervalSince1970: 1_700_000_000), lease: 255)
        #expect(record.lease == "ff")
        #expect(LeaderRecord.decode(record.bytes) == record)
        #expect(LeaderRecord.decode(Array("some-other-tool".utf8)).instance == "unknown (some-other-tool)")
    }
}
