import CKafka

/// A librdkafka failure: what was attempted, librdkafka's explanation and, for broker and
/// delivery errors, its error code and name (`_MSG_TIMED_OUT`, `TOPIC_AUTHORIZATION_FAILED`).
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var reason: String
    /// The `rd_kafka_resp_err_t` value; nil for configuration errors.
    public var code: Int32?
    /// librdkafka's name of `code`.
    public var name: String?

    public init(operation: String, reason: String, code: Int32? = nil, name: String? = nil) {
        self.operation = operation
        self.reason = reason
        self.code = code
        self.name = name
    }

    /// An error from a `rd_kafka_resp_err_t`, worded by `rd_kafka_err2str`.
    package init(operation: String, error: rd_kafka_resp_err_t, detail: String? = nil) {
        self.operation = operation
        let text = String(cString: rd_kafka_err2str(error))
        reason = detail.map { "\(text): \($0)" } ?? text
        code = error.rawValue
        name = String(cString: rd_kafka_err2name(error))
    }

    /// The cluster refused who we are: SASL authentication failed, or the principal may not
    /// write the topic or talk to the cluster. Retrying with the same password cannot help.
    public var isAuthenticationFailure: Bool {
        guard let code else { return false }
        return Self.authenticationCodes.contains(code)
    }

    static let authenticationCodes: Set<Int32> = Set([
        RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
    ].map(\.rawValue))

    public var description: String {
        name.map { "\(operation): \(reason) (\($0))" } ?? "\(operation): \(reason)"
    }
}

/// A librdkafka handle (`rd_kafka_t *`, `rd_kafka_topic_t *`). librdkafka documents its
/// handles as safe to use from any thread, which is what makes sharing this pointer sound.
struct KafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The NUL-terminated text librdkafka wrote into an `errstr` buffer.
func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Whole milliseconds of `duration` (librdkafka's timeouts are in ms).
package func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}
