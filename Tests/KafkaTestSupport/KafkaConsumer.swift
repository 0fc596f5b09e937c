import CKafka
import Kafka

/// A minimal consumer that reads a topic from the beginning of every partition, without a
/// consumer group (`rd_kafka_assign`). For tests and tools that check what a producer wrote.
public final class KafkaConsumer: @unchecked Sendable {
    // @unchecked: used from one thread at a time (`poll` is blocking and called in turn).
    private let client: OpaquePointer

    public struct Record: Sendable, Equatable {
        public var key: [UInt8]?
        public var value: [UInt8]
        public var partition: Int32
        public var offset: Int64
    }

    public init(bootstrapServers: String, topic: String, partitions: Int) throws(KafkaError) {
        let conf = try KafkaConfiguration()
        try conf.set([
            KafkaSetting("bootstrap.servers", bootstrapServers),
            KafkaSetting("group.id", "mdca-forwarder-check"),
            KafkaSetting("enable.auto.commit", "false"),
            KafkaSetting("log_level", "3"),
            // A partition whose start was trimmed reads from what is left rather than jumping
            // to the end (a checker then reports the records missing).
            KafkaSetting("auto.offset.reset", "earliest"),
        ])
        client = try conf.makeClient(RD_KAFKA_CONSUMER)
        let redirected = rd_kafka_poll_set_consumer(client)
        guard redirected == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(client)
            throw KafkaError(operation: "rd_kafka_poll_set_consumer", error: redirected)
        }
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions)) else {
            rd_kafka_destroy(client)
            throw KafkaError(operation: "rd_kafka_topic_partition_list_new", reason: "out of memory")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in 0..<Int32(partitions) {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = mdca_kafka_offset_beginning()
        }
        let assigned = rd_kafka_assign(client, list)
        guard assigned == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(client)
            throw KafkaError(operation: "rd_kafka_assign \(topic)", error: assigned)
        }
    }

    deinit {
        // rd_kafka_consumer_close's result only says whether leaving the (unused) group worked.
        _ = rd_kafka_consumer_close(client)
        rd_kafka_destroy(client)
    }

    /// Waits up to `timeout` for the next record (`rd_kafka_consumer_poll`); nil when none
    /// came. Partition-end events are skipped; other consumer errors throw. Blocking.
    public func poll(timeout: Duration) throws(KafkaError) -> Record? {
        guard let message = rd_kafka_consumer_poll(client, Int32(clamping: milliseconds(timeout))) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(operation: "consume", error: m.err) }
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        return Record(key: key, value: value, partition: m.partition, offset: m.offset)
    }
}
