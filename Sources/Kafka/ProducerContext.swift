import CKafka
import Logging

/// What librdkafka's callbacks reach through the client's opaque pointer: the delivery
/// tracker and the logger. The producer keeps it alive (`Unmanaged`, retained) until the
/// client is destroyed, after which no callback can run.
final class ProducerContext: Sendable {
    let tracker = DeliveryTracker()
    let logger: Logger?

    init(logger: Logger?) {
        self.logger = logger
    }

    /// Installs the delivery-report and log callbacks and the opaque pointer on `conf`.
    static func install(_ context: Unmanaged<ProducerContext>, on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let context = Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue()
            let code = message.pointee.err
            let error = code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(operation: "deliver", error: code)
            context.tracker.report(UInt(bitPattern: message.pointee._private), error: error)
        }
        // Client-level errors. A refused authentication leaves every message waiting for its
        // timeout (librdkafka keeps reconnecting): the waiting batches fail at once instead,
        // so that `once` stops on it (77) and `run` names it. With this callback set,
        // librdkafka no longer logs these errors itself, so they are logged here.
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue()
            let text = reason.map { String(cString: $0) } ?? ""
            let error = KafkaError(operation: "connect", error: rd_kafka_resp_err_t(rawValue: code), detail: text)
            context.logger?.error("librdkafka", metadata: [
                "kafka.facility": "ERROR", "kafka.error": "\(error.name ?? "\(code)")", "kafka.message": "\(text)",
            ])
            if error.isAuthenticationFailure { context.tracker.failWaiting(error) }
        }
        installLog(on: conf)
    }

    /// librdkafka's log lines go to the injected logger (else they would go to stderr in
    /// librdkafka's own format). Called from librdkafka's threads; Logger is thread-safe.
    static func installLog(on conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, message in
            guard let client, let opaque = rd_kafka_opaque(client) else { return }
            let context = Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue()
            guard let logger = context.logger else { return }
            let swiftLevel: Logger.Level = switch level {
            case ...3: .error
            case 4: .warning
            case 5: .notice
            case 6: .info
            default: .debug
            }
            logger.log(level: swiftLevel, "librdkafka", metadata: [
                "kafka.facility": "\(facility.map { String(cString: $0) } ?? "-")",
                "kafka.message": "\(message.map { String(cString: $0) } ?? "")",
            ])
        }
    }
}
