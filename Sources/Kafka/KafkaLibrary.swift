import CKafka

/// The librdkafka the process runs with (the shared library, not the headers it was built
/// against).
public enum KafkaLibrary {
    /// `rd_kafka_version_str`, e.g. `2.0.2`.
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// `rd_kafka_version`: 0xMMmmrrxx.
    public static var versionNumber: Int { Int(rd_kafka_version()) }

    /// librdkafka 2.2.0 fixed reading optional tagged fields in a broker's ApiVersions answer
    /// (librdkafka issue #4253). Older versions fail with "ApiVersionRequest failed: Local:
    /// Read underflow" against brokers that send them (Tansu, some other Kafka-compatible
    /// brokers); Apache Kafka itself does not.
    public static var readsTaggedFields: Bool { versionNumber >= 0x0202_0000 }
}
