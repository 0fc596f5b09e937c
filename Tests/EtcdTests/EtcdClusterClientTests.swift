import Etcd
import Foundation
import TestSupport
import Testing

/// `EtcdClient` against a real three-member etcd 3.4 on loopback.
@Suite(.serialized) struct EtcdClusterClientTests {
    @Test func grantTxnRangeKeepaliveRevokeAndOneMemberDown() async throws {
        let cluster = try await EtcdCluster.start()
        defer { cluster.stop() }
        let client = try EtcdClient(options: EtcdClientOptions(endpoints: cluster.endpoints, attemptTimeout: .seconds(3)))
        let key = Array("/mdca/test/leader".utf8)

        let lease = try await client.grant(ttl: 60)
        #expect(lease.ttl == 60)
        let create = EtcdTxn(compare: [.createRevision(key: key, equals: 0)],
                             success: [.put(key: key, value: Array("a".utf8), lease: lease.id)],
                             failure: [.range(key: key)])
        let first = try await client.txn(create)
        #expect(first.succeeded)
        let stored = try #require(try await client.get(key))
        #expect(stored.value == Array("a".utf8))
        #expect(stored.createRevision == first.revision)
        #expect(stored.lease == lease.id)

        let second = try await client.txn(create)
        #expect(!second.succeeded)
        #expect(second.ranges.first?.first?.value == Array("a".utf8), "the failure branch names the holder")

        #expect(try await client.keepAlive(lease: lease.id) == 60)

        // The member the client talks to (the first) crashes: the next requests go elsewhere.
        cluster.kill(0)
        #expect(try await client.keepAlive(lease: lease.id) == 60)
        let fenced = EtcdTxn(compare: [.createRevision(key: key, equals: stored.createRevision), .value(key: key, equals: Array("a".utf8))],
                             success: [.put(key: Array("/mdca/test/checkpoint".utf8), value: Array("{}".utf8), lease: 0)])
        #expect(try await client.txn(fenced).succeeded)

        try await client.revoke(lease: lease.id)
        #expect(try await client.get(key) == nil, "revoking the lease deletes its key")
        #expect(try await client.keepAlive(lease: lease.id) == 0, "a revoked lease reads as gone")
        try await client.revoke(lease: lease.id)   // already gone: not an error
        #expect(try await client.get(Array("/mdca/test/checkpoint".utf8))?.value == Array("{}".utf8))

        // Two members down: no quorum, and the client says so instead of hanging.
        cluster.kill(1)
        await #expect(throws: EtcdError.self) { _ = try await client.grant(ttl: 5) }
        try cluster.restart(1)
        try await cluster.waitHealthy([1, 2])
        #expect(try await client.get(Array("/mdca/test/checkpoint".utf8))?.value == Array("{}".utf8))
    }

    @Test func nothingListeningIsUnavailableNamingEachEndpoint() async throws {
        let ports = [try FreePort.tcp(), try FreePort.tcp()]
        let client = try EtcdClient(options: EtcdClientOptions(endpoints: ports.map { "http://127.0.0.1:\($0)" }, attemptTimeout: .seconds(1)))
        let error = await #expect(throws: EtcdError.self) { _ = try await client.get([1]) }
        #expect(error?.kind == .unavailable)
        for port in ports { #expect(error?.message.contains("127.0.0.1:\(port)") == true) }
    }
}

/// https endpoints with a client certificate (`state.etcd.tls`), against a real member.
@Suite(.serialized) struct EtcdTLSClientTests {
    @Test func clientCertificateIsPresentedAndRequired() async throws {
        let cluster = try await EtcdCluster.start(members: 1, tls: true)
        defer { cluster.stop() }
        let tls = try #require(cluster.tls)
        let client = try tls.makeClient(name: "collector-a")
        let good = try EtcdClient(options: EtcdClientOptions(
            endpoints: cluster.endpoints, caFile: tls.caFile, certFile: client.certFile, keyFile: client.keyFile))
        let lease = try await good.grant(ttl: 60)
        #expect(try await good.keepAlive(lease: lease.id) == 60)

        // No client certificate: the member refuses the handshake.
        let anonymous = try EtcdClient(options: EtcdClientOptions(endpoints: cluster.endpoints, caFile: tls.caFile))
        await #expect(throws: EtcdError.self) { _ = try await anonymous.grant(ttl: 5) }
        // The system CA store does not know the test CA: verification is never skipped.
        let unverified = try EtcdClient(options: EtcdClientOptions(
            endpoints: cluster.endpoints, certFile: client.certFile, keyFile: client.keyFile))
        await #expect(throws: EtcdError.self) { _ = try await unverified.grant(ttl: 5) }
    }
}
