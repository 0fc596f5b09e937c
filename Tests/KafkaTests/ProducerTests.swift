import Dispatch
import Kafka
import KafkaTestSupport
import Synchronization
import Testing

/// The Kafka module against librdkafka's mock cluster (real loopback sockets): what the
/// producer reports delivered is what a consumer reads back, keys included.
@Suite struct ProducerTests {
    /// Produces `values` (key = "k<i>") and waits for the delivery reports.
    func produce(_ producer: KafkaProducer, _ values: [String]) async throws(KafkaError) {
        let ticket = await Self.offPool {
            let keys = values.indices.map { Array("k\($0)".utf8) }
            let payloads = values.map { Array($0.utf8) }
            let keyEnds = keys.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.count) }
            let valueEnds = payloads.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.count) }
            return payloads.joined().map { $0 }.withUnsafeBytes { valueBytes in
                keys.joined().map { $0 }.withUnsafeBytes { keyBytes in
                    producer.enqueue(count: values.count, values: valueBytes, keys: keyBytes) { i in
                        ((i == 0 ? 0 : valueEnds[i - 1])..<valueEnds[i], (i == 0 ? 0 : keyEnds[i - 1])..<keyEnds[i])
                    }
                }
            }
        }
        try await producer.delivered(ticket)
    }

    /// Blocking librdkafka calls run on a dispatch thread, as in the output.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration) async throws -> [KafkaConsumer.Record] {
        try await Task.detached {
            var records: [KafkaConsumer.Record] = []
            let deadline = ContinuousClock.now + timeout
            while records.count < count, ContinuousClock.now < deadline {
                if let record = try consumer.poll(timeout: .milliseconds(200)) { records.append(record) }
            }
            return records
        }.value
    }

    @Test func deliveredRecordsAreReadBackWithTheirKeys() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("unit", partitions: 3, replicationFactor: 3)
        let producer = try KafkaProducer(settings: [KafkaSetting("bootstrap.servers", cluster.bootstrapServers)],
                                         topic: "unit", deliveryTimeout: .seconds(10), logger: nil)
        let values = (0..<1000).map { "value-\($0)" }
        try await produce(producer, values)
        #expect(await Self.offPool { producer.close(timeout: .seconds(5)) } == 0)

        let consumer = try KafkaConsumer(bootstrapServers: cluster.bootstrapServers, topic: "unit", partitions: 3)
        let records = try await Self.consume(consumer, count: values.count, timeout: .seconds(30))
        #expect(records.count == values.count)
        var byKey: [String: String] = [:]
        for record in records {
            byKey[String(decoding: record.key ?? [], as: UTF8.self)] = String(decoding: record.value, as: UTF8.self)
        }
        #expect(byKey.count == values.count)
        #expect(byKey["k17"] == "value-17")
        #expect(Set(records.map(\.partition)).count > 1, "keys spread over the partitions")
    }

    @Test func aDownClusterFailsTheBatchWithinTheDeliveryTimeout() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("down", partitions: 1, replicationFactor: 1)
        try cluster.setAllBrokers(up: false)
        let producer = try KafkaProducer(settings: [KafkaSetting("bootstrap.servers", cluster.bootstrapServers)],
                                         topic: "down", deliveryTimeout: .seconds(2), logger: nil)
        let failedAt = Mutex<ContinuousClock.Instant?>(nil)
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            do {
                try await produce(producer, ["a", "b"])
            } catch {
                failedAt.withLock { $0 = ContinuousClock.now }   // timed where the failure arrives
                throw error
            }
        }
        #expect(error?.name == "_MSG_TIMED_OUT")
        // The 2 s timeout plus librdkafka's once-a-second scan for expired messages is about
        // 3 s (alone, this whole test, cluster start included, takes about 4 s); a whole test
        // run on 2 cores delays librdkafka's threads far more: 38 s was measured in a whole
        // `swift test` run, so time cannot tell the 2 s timeout from the 30 s default there.
        // `_MSG_TIMED_OUT` above is what proves the message timeout failed the batch; the bound
        // only proves the failure arrives instead of the batch waiting for ever.
        let took = try #require(failedAt.withLock { $0 }) - started
        #expect(took >= .seconds(2) && took < .seconds(60), "took \(took)")
    }

    @Test func aPermanentBrokerErrorFailsTheBatch() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("denied", partitions: 1, replicationFactor: 1)
        let producer = try KafkaProducer(settings: [KafkaSetting("bootstrap.servers", cluster.bootstrapServers)],
                                         topic: "denied", deliveryTimeout: .seconds(5), logger: nil)
        try await produce(producer, ["warm-up"])
        cluster.failNextProduceRequests([.topicAuthorizationFailed])
        let error = await #expect(throws: KafkaError.self) { try await produce(producer, ["refused"]) }
        #expect(error?.name == "TOPIC_AUTHORIZATION_FAILED")
        #expect(error?.isAuthenticationFailure == true, "the cluster refused the principal: retrying cannot help")
    }

    @Test func anUnknownOrRefusedSettingNamesTheKeyButNeverASecret() throws {
        let unknown = #expect(throws: KafkaError.self) {
            try KafkaProducer(settings: [KafkaSetting("no.such.setting", "1")], topic: "t", deliveryTimeout: .seconds(1), logger: nil)
        }
        #expect(unknown?.operation == "set no.such.setting")
        let secret = #expect(throws: KafkaError.self) {
            try KafkaProducer(settings: [KafkaSetting("linger.ms", "hunter2", secret: true)], topic: "t", deliveryTimeout: .seconds(1), logger: nil)
        }
        #expect(secret.map { !$0.description.contains("hunter2") } == true)
    }
}
