// libFuzzer harness for the etcd gateway answers (Sources/Etcd codec files compiled in):
// whatever a member, or something in its place, answers to grant, keepalive, txn, range,
// authenticate, an HTTP error, and the leader key's value.

@_cdecl("LLVMFuzzerTestOneInput")
public func etcdAnswerFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    // The first byte picks an HTTP status for `failure`; the rest is the body for every decoder.
    let body = Array(input.dropFirst())
    let status = [200, 400, 401, 403, 404, 408, 429, 500, 503, 504][Int(first) % 10]
    if let error = EtcdCodec.failure(status: status, body: body, endpoint: "https://etcd-1:2379") {
        check(status != 200, "a 200 answer read as a failure")
        check(error.message.hasPrefix("https://etcd-1:2379: HTTP \(status): "), "failure message \(error.message)")
    } else {
        check(status == 200, "HTTP \(status) read as success")
    }
    if let lease = try? EtcdCodec.decodeGrant(body) {
        check(lease.id != 0 && lease.ttl > 0, "granted lease \(lease)")
    }
    if let ttl = try? EtcdCodec.decodeKeepAlive(body) { check(ttl >= 0, "keepalive TTL \(ttl)") }
    if let result = try? EtcdCodec.decodeTxn(body) { check(result.revision > 0, "txn revision \(result.revision)") }
    _ = try? EtcdCodec.decodeRange(body)
    if let token = try? EtcdCodec.decodeAuthenticate(body) {
        // The token goes into a header: printable ASCII without spaces, never a line break.
        check(!token.isEmpty && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "auth token \(token.debugDescription)")
    }
    // A leader record someone else wrote is shown, never trusted; one that decodes re-encodes to itself.
    let record = LeaderRecord.decode(body)
    if !record.instance.hasPrefix("unknown (") {
        check(LeaderRecord.decode(record.bytes) == record, "leader record \(record) does not round-trip")
    }
    return 0
}
