import CKafka

/// One client setting in librdkafka's own names (`bootstrap.servers`, `sasl.password`).
/// A secret's value is never repeated in an error.
public struct KafkaSetting: Sendable, Equatable {
    public var key: String
    public var value: String
    public var isSecret: Bool

    public init(_ key: String, _ value: String, secret: Bool = false) {
        self.key = key
        self.value = value
        isSecret = secret
    }
}

/// An `rd_kafka_conf_t` being filled in. Every setting goes through `set`, which checks
/// librdkafka's answer; `makeClient` hands the configuration to `rd_kafka_new`, which owns it
/// from then on. Not thread-safe: one builder, one thread.
package final class KafkaConfiguration {
    private var handle: OpaquePointer?

    package init() throws(KafkaError) {
        guard let handle = rd_kafka_conf_new() else {
            throw KafkaError(operation: "rd_kafka_conf_new", reason: "out of memory")
        }
        self.handle = handle
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }

    /// The configuration for callback and opaque setters; nil once a client owns it.
    var pointer: OpaquePointer? { handle }

    /// `rd_kafka_conf_set`, checked: an unknown key or a refused value throws, naming the key
    /// (and, unless the setting is secret, librdkafka's reason, which quotes the value).
    package func set(_ setting: KafkaSetting) throws(KafkaError) {
        guard let handle else { throw KafkaError(operation: "set \(setting.key)", reason: "configuration already used") }
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, setting.key, setting.value, &errstr, errstr.count)
        guard result == RD_KAFKA_CONF_OK else {
            let reason = setting.isSecret
                ? "librdkafka refused the value (not shown: it is secret)"
                : text(errstr)
            throw KafkaError(operation: "set \(setting.key)", reason: reason)
        }
    }

    package func set(_ settings: [KafkaSetting]) throws(KafkaError) {
        for setting in settings { try set(setting) }
    }

    /// `rd_kafka_new`: on success the client owns the configuration; on failure it stays
    /// here (and `deinit` frees it).
    package func makeClient(_ type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        guard let handle else { throw KafkaError(operation: "rd_kafka_new", reason: "configuration already used") }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, handle, &errstr, errstr.count) else {
            throw KafkaError(operation: "rd_kafka_new", reason: text(errstr))
        }
        self.handle = nil
        return client
    }
}
