import Kafka
import Logging
import POSIX
import Synchronization

/// `kafka://host:port[,host:port…]/topic` (PRODUCT §11): a librdkafka producer, `acks=all`,
/// idempotence on, key = the record's `_id`.
///
/// `deliver` returns only when librdkafka reported every message of the batch acknowledged by
/// the brokers, so the cursor never passes a record the cluster does not hold. Transient broker
/// trouble (leader changes, a broker restarting) is librdkafka's to retry, within the delivery
/// timeout; past it, or on a permanent error, the batch fails with an OutputError and the core
/// holds the cursor and retries the batch with backoff.
final class KafkaOutput: Output {
    let name: String
    let url: String
    private let topic: String
    /// librdkafka settings, the SASL password among them (marked secret: never echoed).
    private let settings: [KafkaSetting]
    private let deliveryTimeout: Duration
    private let cap: MessageCap
    private let logger: Logger
    /// Producing blocks while librdkafka's queue is full; flushing blocks: both run here.
    private let queue: BlockingQueue
    /// Built on first use; replaced after a fatal producer error.
    private let producer = Mutex<KafkaProducer?>(nil)

    var needsMessageKeys: Bool { true }

    init(config: OutputConfig, topic: String, settings: [KafkaSetting], deliveryTimeout: Duration) {
        name = config.name
        url = config.url
        self.topic = topic
        self.settings = settings
        self.deliveryTimeout = deliveryTimeout
        cap = MessageCap(limit: config.maxMessageBytes)
        var logger = Logger(label: "mdca-forwarder.kafka")
        logger[metadataKey: "output.name"] = "\(config.name)"
        self.logger = logger
        queue = BlockingQueue(label: "mdca.output.kafka.\(config.name)")
    }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        guard !messages.isEmpty else { return }
        let producer = try await currentProducer()
        let cap = self.cap
        let ticket = await queue.run { () -> KafkaProducer.Ticket in
            messages.bytes.withUnsafeBytes { values in
                messages.keyBytes.withUnsafeBytes { keys in
                    producer.enqueue(count: messages.count, values: values, keys: keys) { i in
                        let start = i == 0 ? 0 : messages.ends[i - 1]
                        let length = cap.bounded(messages.bytes[start..<messages.ends[i]]).count
                        guard i < messages.keyEnds.count else { return (start..<(start + length), nil) }
                        let keyStart = i == 0 ? 0 : messages.keyEnds[i - 1]
                        return (start..<(start + length), keyStart..<messages.keyEnds[i])
                    }
                }
            }
        }
        do {
            try await producer.delivered(ticket)
        } catch {
            if let fatal = await queue.run({ producer.fatalError }) {
                // A fatal error (the cluster broke the idempotence guarantees, e.g.) leaves the
                // producer unusable: the retry gets a fresh one.
                logger.error("kafka producer failed fatally, replacing it", error: fatal)
                await discard(producer)
            }
            throw OutputError(kind: .write, output: name, url: url, operation: "deliver to topic \(topic)", reason: error.description,
                              failureKind: error.isAuthenticationFailure ? .credentials : .transient)
        }
    }

    func probe() async throws(OutputError) {
        let producer = try await currentProducer()
        let timeout = min(deliveryTimeout, .seconds(10))
        let (name, url, topic) = (self.name, self.url, self.topic)
        try await queue.run { () throws(OutputError) in
            do throws(KafkaError) {
                try producer.checkTopic(timeout: timeout)
            } catch {
                // A SASL refusal reaches librdkafka's error callback, while the metadata request
                // itself only times out: the tracker's refusal is what tells the two apart.
                let refused = error.isAuthenticationFailure || producer.credentialsRefused
                throw OutputError(kind: .connect, output: name, url: url, operation: "read metadata of topic \(topic)", reason: error.description,
                                  failureKind: refused ? .credentials : .transient)
            }
        }
    }

    func reopen() async {}

    /// Flushes what librdkafka still holds (a batch in delivery gets its reports) for at most
    /// the delivery timeout, capped at 10 s to stay within systemd's stop timeout.
    func shutdown() async {
        guard let producer = producer.withLock({ current in defer { current = nil }; return current }) else { return }
        // Refused credentials deliver nothing: no flush to wait for.
        let timeout = producer.credentialsRefused ? .zero : min(deliveryTimeout, .seconds(10))
        let undelivered = await queue.run { producer.close(timeout: timeout) }
        if undelivered > 0 {
            // Not lost: their batch was not acknowledged, so the cursor did not pass them.
            logger.warning("kafka messages undelivered at shutdown", metadata: ["kafka.undelivered": "\(undelivered)"])
        }
    }

    private func currentProducer() async throws(OutputError) -> KafkaProducer {
        if let producer = producer.withLock({ $0 }) { return producer }
        let (settings, topic, deliveryTimeout, logger) = (self.settings, self.topic, self.deliveryTimeout, self.logger)
        let (name, url) = (self.name, self.url)
        let made = try await queue.run { () throws(OutputError) -> KafkaProducer in
            do throws(KafkaError) {
                return try KafkaProducer(settings: settings, topic: topic, deliveryTimeout: deliveryTimeout, logger: logger)
            } catch {
                throw OutputError(kind: .invalidConfiguration, output: name, url: url, operation: "create kafka producer", reason: error.description)
            }
        }
        logger.info("kafka producer created", metadata: ["kafka.topic": "\(topic)", "librdkafka.version": "\(KafkaLibrary.version)"])
        return producer.withLock { current in
            if let current { return current }
            current = made
            return made
        }
    }

    private func discard(_ failed: KafkaProducer) async {
        let removed = producer.withLock { current -> Bool in
            guard current === failed else { return false }
            current = nil
            return true
        }
        if removed { _ = await queue.run { failed.close(timeout: .zero) } }
    }
}
