import CKafka
import Kafka

/// librdkafka's in-process mock cluster (`rdkafka_mock.h`): brokers that listen on real
/// loopback sockets, so a forwarder process can be pointed at them. For tests and benchmarks.
public final class KafkaMockCluster: @unchecked Sendable {
    // @unchecked: the mock cluster is driven from librdkafka's own thread; its API calls are
    // requests to that thread and may come from any thread.
    private let client: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,host:port,…` of the brokers, for `bootstrap.servers` or a kafka:// URL.
    public let bootstrapServers: String
    public let brokerCount: Int

    /// Starts `brokers` brokers (ids 1...brokers).
    public init(brokers: Int = 3) throws(KafkaError) {
        let conf = try KafkaConfiguration()
        // The mock cluster needs a client to hang off; it sends nothing.
        try conf.set(KafkaSetting("log_level", "3"))
        client = try conf.makeClient(RD_KAFKA_PRODUCER)
        guard let cluster = rd_kafka_mock_cluster_new(client, Int32(brokers)) else {
            rd_kafka_destroy(client)
            throw KafkaError(operation: "rd_kafka_mock_cluster_new", reason: "could not start \(brokers) mock brokers")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(client)
    }

    /// `rd_kafka_mock_topic_create`.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws(KafkaError) {
        let code = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(operation: "create topic \(name)", error: code) }
    }

    /// Every broker refuses connections (`rd_kafka_mock_broker_set_down`) or accepts them
    /// again (`rd_kafka_mock_broker_set_up`).
    public func setAllBrokers(up: Bool) throws(KafkaError) {
        for id in 1...Int32(brokerCount) {
            let code = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(operation: "set broker \(id) \(up ? "up" : "down")", error: code)
            }
        }
    }

    /// The next Produce requests (to any broker) fail with these broker error codes, in order
    /// (`rd_kafka_mock_push_request_errors_array`, ApiKey 0 = Produce).
    public func failNextProduceRequests(_ errors: [KafkaBrokerError]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, 0, buffer.count, buffer.baseAddress)
        }
    }
}

/// Broker error codes a test may inject (Kafka protocol numbers).
public enum KafkaBrokerError: Int32, Sendable {
    /// Retriable: librdkafka refreshes metadata and retries.
    case notLeaderForPartition = 6
    /// Retriable.
    case requestTimedOut = 7
    /// Retriable: fewer in-sync replicas than min.insync.replicas.
    case notEnoughReplicas = 19
    /// Permanent for the producer: it may not write the topic.
    case topicAuthorizationFailed = 29
}
