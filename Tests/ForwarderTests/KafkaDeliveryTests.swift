import Foundation
import Kafka
import KafkaTestSupport
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §11 against the real binary: simulator (in-process) → `mdca-forwarder` (process)
/// → librdkafka's mock cluster (in-process, real loopback sockets) → a consumer reading the
/// topic back. Records are JSON, so each one's `_id` can be compared with its key.
@Suite(.serialized)
struct KafkaDeliveryTests {
    static let token = "kafka-test-token"
    static let topic = "mdca-activities"
    /// The mock cluster keeps only the last few MB of each partition (like a broker's
    /// retention), so the topic has enough partitions for a test's records and the reader
    /// runs while the forwarder writes.
    static let partitions = 12

    func startSimulator(activities: Int, seed: UInt64) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = seed
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        // Let the newest records age past settle_time (1 s) so a catch-up covers them all.
        try await Task.sleep(for: .milliseconds(1500))
        return sim
    }

    func startCluster() throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic(Self.topic, partitions: Self.partitions, replicationFactor: 3)
        return cluster
    }

    func fixture(_ dir: TempDir, sim: SimulatorServer, cluster: KafkaMockCluster, kafka: String? = nil, pageSize: Int = 2000) throws -> ForwarderFixture {
        var extra = ["max_message_bytes: 1048576"]
        if let kafka { extra.append("kafka: \(kafka)") }
        return try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "kafka", url: "kafka://\(cluster.bootstrapServers)/\(Self.topic)", extra: extra)],
            pageSize: pageSize, checkpointEvery: pageSize)
    }

    /// Each record's key is its value's `_id`; returns (missing, duplicates, unexpected, wrong keys).
    func audit(_ records: [KafkaTopicReader.Record], expected: [String]) -> (missing: Int, duplicates: Int, unexpected: Int, wrongKeys: Int) {
        let ids = ForwarderFixture.ids(fromJSONLines: records.map(\.value))
        let wrongKeys = zip(records, ids).filter { $0.key != $1 }.count + (records.count - ids.count)
        var counts: [String: Int] = [:]
        for id in ids { counts[id, default: 0] += 1 }
        let expectedSet = Set(expected)
        return (expectedSet.filter { counts[$0] == nil }.count,
                counts.values.reduce(0) { $0 + max(0, $1 - 1) },
                counts.keys.filter { !expectedSet.contains($0) }.count,
                wrongKeys)
    }

    @Test func twentyThousandActivitiesArriveOnceKeyedByTheirID() async throws {
        let total = 20_000
        let sim = try await startSimulator(activities: total, seed: 51)
        let cluster = try startCluster()
        let dir = try TempDir()
        let fixture = try fixture(dir, sim: sim, cluster: cluster)
        let reader = try KafkaTopicReader(bootstrapServers: cluster.bootstrapServers, topic: Self.topic, partitions: Self.partitions)
        let run = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                             environment: fixture.environment(token: Self.token), timeout: .seconds(300))
        #expect(run.status == 0, "\(run.stderr)")

        // `once` returned, so every record was acknowledged: the topic holds them all.
        #expect(await reader.waitFor(count: total, timeout: .seconds(60)))
        let records = reader.received
        await reader.stop()
        #expect(reader.error == nil)
        let result = audit(records, expected: await sim.allActivityIDs())
        #expect(records.count == total)
        #expect(result.missing == 0)
        #expect(result.duplicates == 0)
        #expect(result.unexpected == 0)
        #expect(result.wrongKeys == 0, "every key is the record's _id")
        await sim.stop()
    }

    @Test func brokersDownAtStartHoldTheCursorThenEverythingArrives() async throws {
        let total = 2_000
        let sim = try await startSimulator(activities: total, seed: 53)
        let cluster = try startCluster()
        try cluster.setAllBrokers(up: false)
        let dir = try TempDir()
        let fixture = try fixture(dir, sim: sim, cluster: cluster, kafka: "{delivery_timeout: 2s}", pageSize: 500)
        let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                             environment: fixture.environment(token: Self.token))
        try p.start()
        var initial: Int64?
        for _ in 0..<100 where initial == nil {
            initial = fixture.storedCursorMs()
            try await Task.sleep(for: .milliseconds(50))
        }
        let start = try #require(initial)
        // Wait for the delivery failure to show (the first batch timed out after 2 s).
        var status = ""
        for _ in 0..<100 where !status.contains("unavailable") {
            status = try await ChildProcess.run("mdca-forwarder", ["status", "--config", fixture.configPath]).stdout
            if !status.contains("unavailable") { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status.contains("unavailable"), "status shows the problem: \(status)")
        #expect(fixture.storedCursorMs() == start, "cursor moved while every broker was down")

        try cluster.setAllBrokers(up: true)
        let reader = try KafkaTopicReader(bootstrapServers: cluster.bootstrapServers, topic: Self.topic, partitions: Self.partitions)
        #expect(await reader.waitFor(count: total, timeout: .seconds(90)))
        p.signal(SIGTERM)
        #expect(await p.wait(timeout: .seconds(15)) == 0, "\(p.stderr)")
        let records = reader.received
        await reader.stop()
        let result = audit(records, expected: await sim.allActivityIDs())
        #expect(result.missing == 0)
        #expect(result.unexpected == 0)
        #expect(result.wrongKeys == 0)
        #expect(fixture.storedCursorMs().map { $0 > start } == true)
        await sim.stop()
    }

    /// Issue 18 item 4: a cluster that refuses the producer's principal (a broker answering
    /// TOPIC_AUTHORIZATION_FAILED) rejects the credentials: `once` stops at once with 77
    /// instead of retrying for 2 minutes and exiting 69.
    @Test func onceStopsAtOnceWhenTheClusterRefusesThePrincipal() async throws {
        let sim = try await startSimulator(activities: 100, seed: 58)
        let cluster = try startCluster()
        let dir = try TempDir()
        let fixture = try fixture(dir, sim: sim, cluster: cluster)
        cluster.failNextProduceRequests(Array(repeating: .topicAuthorizationFailed, count: 20))
        let started = ContinuousClock.now
        let r = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                           environment: fixture.environment(token: Self.token), timeout: .seconds(180))
        let took = ContinuousClock.now - started
        await sim.stop()
        print("fail-fast once kafka authorization refused: exit \(r.status.map(String.init) ?? "none") in \(took)")
        #expect(r.status == 77, "\(r.stderr)")
        // Alone about 0.3 s; the bound tells it from the 2 min `once` would retry an output
        // (a loaded test run resumes this test tens of seconds late).
        #expect(took < .seconds(90), "took \(took)")
        #expect(!r.stderr.contains("retrying in"), "\(r.stderr)")
        #expect(r.stderr.contains("TOPIC_AUTHORIZATION_FAILED") && r.stderr.contains("not retried"), "\(r.stderr)")
    }

    @Test func brokerErrorsMidRunLoseNothing() async throws {
        let first = 5_000, second = 5_000
        let sim = try await startSimulator(activities: first, seed: 57)
        let cluster = try startCluster()
        let dir = try TempDir()
        let fixture = try fixture(dir, sim: sim, cluster: cluster, kafka: "{delivery_timeout: 10s}", pageSize: 1000)
        let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                             environment: fixture.environment(token: Self.token))
        try p.start()
        let reader = try KafkaTopicReader(bootstrapServers: cluster.bootstrapServers, topic: Self.topic, partitions: Self.partitions)
        #expect(await reader.waitFor(count: first, timeout: .seconds(60)), "\(p.stderr)")

        // The running producer's next Produce requests fail: retriable errors librdkafka
        // retries itself, then a permanent one that fails a batch, which the forwarder must
        // send again after backoff.
        cluster.failNextProduceRequests([.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas,
                                         .notLeaderForPartition, .topicAuthorizationFailed])
        // In chunks below the page size: records added in one call share their creation time,
        // and a tie wider than a page is the core's concern, not this test's.
        for _ in 0..<(second / 500) {
            await sim.addActivities(500)
            try await Task.sleep(for: .milliseconds(5))
        }
        let expected = await sim.allActivityIDs()
        var result = audit(reader.received, expected: expected)
        let deadline = ContinuousClock.now + .seconds(90)
        while result.missing > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            result = audit(reader.received, expected: expected)
        }
        p.signal(SIGTERM)
        #expect(await p.wait(timeout: .seconds(15)) == 0)
        await reader.stop()
        result = audit(reader.received, expected: expected)
        #expect(result.missing == 0, "lost records")
        #expect(result.unexpected == 0)
        #expect(result.wrongKeys == 0)
        // The permanent error failed one batch, which was sent again: at most that batch repeats.
        #expect(result.duplicates <= 1000)
        #expect(p.stderr.contains("TOPIC_AUTHORIZATION_FAILED"), "the injected permanent error reached the forwarder")
        if result.missing > 0 { print(p.stderr.suffix(6000)) }
        await sim.stop()
    }
}

/// A SASL login the cluster cannot complete (librdkafka's mock brokers speak no SASL, so the
/// handshake fails as a refused login does): `once` stops at once with 77 instead of waiting
/// for every message to time out and exiting 69.
@Suite struct KafkaAuthenticationTests {
    @Test func onceStopsAtOnceWhenSASLAuthenticationFails() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 50
        options.seed = 59
        options.token = KafkaDeliveryTests.token
        options.baseTime = Int64(Date().timeIntervalSince1970 * 1000) - 36 * 3_600_000
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("auth", partitions: 1, replicationFactor: 1)
        let dir = try TempDir()
        let password = try dir.write("kafka-password", "not-accepted", mode: 0o600)
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "kafka", url: "kafka://\(cluster.bootstrapServers)/auth", extra: [
                "kafka: {delivery_timeout: 300s, sasl: {mechanism: PLAIN, username: fw, password_file: \(password)}}",
            ])])
        let started = ContinuousClock.now
        let r = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                           environment: fixture.environment(token: KafkaDeliveryTests.token), timeout: .seconds(180))
        let took = ContinuousClock.now - started
        print("fail-fast once kafka SASL authentication failed: exit \(r.status.map(String.init) ?? "none") in \(took)")
        #expect(r.status == 77, "\(r.stderr)")
        // Alone about 0.3 s; the bound tells it from the 300 s delivery timeout it used to wait
        // out (a loaded test run resumes this test tens of seconds late).
        #expect(took < .seconds(90), "took \(took), the delivery timeout is 300 s")
        #expect(r.stderr.contains("output 'kafka'") && r.stderr.contains("not retried"), "\(r.stderr)")
        #expect(!r.stderr.contains("not-accepted"), "the password leaked")

        // `test` says the same: the output check fails with the credentials' exit code.
        let t = try await ChildProcess.run("mdca-forwarder", ["test", "--config", fixture.configPath],
                                           environment: fixture.environment(token: KafkaDeliveryTests.token), timeout: .seconds(120))
        await sim.stop()
        #expect(t.status == 77, "test with refused SASL credentials: \(t.stdout) \(t.stderr)")
        #expect(!(t.stdout + t.stderr).contains("not-accepted"), "the password leaked")
    }
}
