import CKafka
import Logging
import Synchronization

/// A Kafka producer for one topic: `acks=all`, idempotence on, batches tuned for throughput.
///
/// `enqueue` hands a batch to librdkafka (blocking while its queue is full: call it from a
/// thread of your own); `delivered` waits, without holding a thread, until librdkafka reported
/// every message of that batch. A thread of the producer's own serves the reports.
public final class KafkaProducer: Sendable {
    /// Settings the forwarder's guarantees depend on; the caller cannot override them.
    static let reliability = [
        // Every in-sync replica has the record before the broker acknowledges it.
        KafkaSetting("acks", "all"),
        // librdkafka's own retries neither duplicate nor reorder.
        KafkaSetting("enable.idempotence", "true"),
    ]

    /// Throughput: up to 5 ms of waiting fills batches of up to 10,000 records / 1 MiB, which
    /// is what keeps a forwarder's catch-up above 50,000 records/s on one connection.
    static let throughput = [
        KafkaSetting("linger.ms", "5"),
        KafkaSetting("batch.num.messages", "10000"),
        KafkaSetting("batch.size", "1048576"),
        KafkaSetting("queue.buffering.max.messages", "200000"),
        // Keys land where a Java producer would put them (consumers that join on partitions).
        KafkaSetting("partitioner", "murmur2_random"),
        // Brokers close idle connections; that is not worth a log line.
        KafkaSetting("log.connection.close", "false"),
    ]

    public let topicName: String
    /// librdkafka's `message.timeout.ms`: every message is reported within it.
    public let deliveryTimeout: Duration
    private let client: KafkaHandle
    private let topic: KafkaHandle
    private let context: Unmanaged<ProducerContext>
    /// The context's tracker, held strongly: waiters may outlive `close` (which releases the
    /// context the callbacks use).
    private let tracker: DeliveryTracker
    private let poller: PollThread
    private let closed = Atomic<Bool>(false)

    /// `settings` are the connection's (bootstrap servers, client id, compression, security);
    /// the reliability and throughput settings are the producer's own.
    public init(settings: [KafkaSetting], topic topicName: String, deliveryTimeout: Duration, logger: Logger?) throws(KafkaError) {
        let conf = try KafkaConfiguration()
        try conf.set(Self.throughput)
        try conf.set(settings)
        try conf.set(Self.reliability)
        let timeoutMs = max(1, milliseconds(deliveryTimeout))
        try conf.set(KafkaSetting("message.timeout.ms", "\(timeoutMs)"))
        let context = Unmanaged.passRetained(ProducerContext(logger: logger))
        guard let confPointer = conf.pointer else {
            context.release()
            throw KafkaError(operation: "rd_kafka_new", reason: "configuration already used")
        }
        ProducerContext.install(context, on: confPointer)
        let client: OpaquePointer
        do {
            client = try conf.makeClient(RD_KAFKA_PRODUCER)
        } catch {
            context.release()
            throw error
        }
        guard let topic = rd_kafka_topic_new(client, topicName, nil) else {
            let error = KafkaError(operation: "rd_kafka_topic_new \(topicName)", error: rd_kafka_last_error())
            rd_kafka_destroy(client)
            context.release()
            throw error
        }
        self.topicName = topicName
        self.deliveryTimeout = deliveryTimeout
        self.client = KafkaHandle(pointer: client)
        self.topic = KafkaHandle(pointer: topic)
        self.context = context
        tracker = context.takeUnretainedValue().tracker
        poller = PollThread(self.client, name: "rdkafka-poll")
    }

    deinit {
        // Normally `close` (on the owner's blocking queue) already destroyed the client; this
        // is the fallback for a producer dropped without it. Without a flush, undelivered
        // messages are dropped (their batch was not acknowledged, so the cursor holds).
        if !closed.exchange(true, ordering: .relaxed) { destroy() }
    }

    /// Stops the poll thread and frees the client (`rd_kafka_destroy` joins librdkafka's
    /// threads, so it blocks: never on the cooperative pool), then the callbacks' context.
    private func destroy() {
        poller.stop()
        rd_kafka_topic_destroy(topic.pointer)
        rd_kafka_destroy(client.pointer)
        // librdkafka is gone: the bytes of batches it never reported can be freed.
        tracker.releaseAllStorage()
        context.release()
    }

    /// A batch handed to librdkafka, to wait for with `delivered`.
    public struct Ticket: Sendable {
        let sequence: UInt
        let count: Int
    }

    /// Produces `count` messages: `message(i)` gives message *i*'s value range in `values` and
    /// key range in `keys`. Both buffers are copied once into storage the producer owns until
    /// the batch's last delivery report (librdkafka then reads the values in place instead of
    /// allocating and copying each message). Blocks while librdkafka's queue is full: never
    /// call it on the cooperative pool. A message librdkafka refuses (too large, unknown topic,
    /// fatal producer error) fails the batch; the rest of the batch is not produced.
    public func enqueue(count: Int, values: UnsafeRawBufferPointer, keys: UnsafeRawBufferPointer,
                        message: (Int) -> (value: Range<Int>, key: Range<Int>?)) -> Ticket {
        let storage = BatchStorage(copying: [values, keys])
        let sequence = tracker.begin(count: count, storage: storage)
        guard !closed.load(ordering: .relaxed), let base = storage.buffer.baseAddress else {
            tracker.report(sequence, count: count, error: KafkaError(operation: "produce to \(topicName)", reason: "the producer is closed"))
            return Ticket(sequence: sequence, count: count)
        }
        let keysBase = base + values.count
        let opaque = UnsafeMutableRawPointer(bitPattern: sequence)
        for i in 0..<count {
            let (value, key) = message(i)
            let result = mdca_kafka_produce(topic.pointer, base + value.lowerBound, value.count,
                                            key.map { keysBase + $0.lowerBound }, key?.count ?? 0, opaque)
            if result != 0 {
                let error = KafkaError(operation: "produce to \(topicName)", error: rd_kafka_last_error())
                tracker.report(sequence, count: count - i, error: error)
                break
            }
        }
        return Ticket(sequence: sequence, count: count)
    }

    /// Returns once every message of the batch was reported delivered (acknowledged by all
    /// in-sync replicas); throws the first failure.
    public func delivered(_ ticket: Ticket) async throws(KafkaError) {
        // librdkafka reports each message within message.timeout.ms of its produce call; the
        // margin covers a produce loop that blocked on a full queue.
        let bound = deliveryTimeout * 2 + .seconds(5)
        if let error = await tracker.wait(ticket.sequence, timeout: bound) {
            throw error
        }
    }

    /// The producer hit a fatal error (idempotence broken by the cluster, e.g.): it must be
    /// replaced. `rd_kafka_fatal_error`.
    public var fatalError: KafkaError? {
        guard !closed.load(ordering: .relaxed) else { return nil }
        var errstr = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(client.pointer, &errstr, errstr.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(operation: "producer", error: code, detail: text(errstr))
    }

    /// Asks the cluster for the topic's metadata (`rd_kafka_metadata`): connects and checks
    /// the topic exists, sending nothing. Blocking.
    public func checkTopic(timeout: Duration) throws(KafkaError) {
        guard !closed.load(ordering: .relaxed) else { throw KafkaError(operation: "metadata for \(topicName)", reason: "the producer is closed") }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let timeoutMs = Int32(clamping: milliseconds(timeout))
        let code = rd_kafka_metadata(client.pointer, 0, topic.pointer, &metadata, timeoutMs)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(operation: "metadata for \(topicName)", error: code)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt > 0, let topics = metadata.pointee.topics else {
            throw KafkaError(operation: "metadata for \(topicName)", reason: "the cluster did not describe the topic")
        }
        let topicError = topics[0].err
        guard topicError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(operation: "metadata for \(topicName)", error: topicError)
        }
    }

    /// The cluster refused the credentials and no delivery succeeded since: a flush could
    /// only wait out its timeout.
    public var credentialsRefused: Bool { tracker.refusal != nil }

    /// Stops the poll thread, flushes (`rd_kafka_flush`) for at most `timeout` and frees the
    /// client; returns how many messages were still undelivered. Blocking: call it from the
    /// thread that also calls `enqueue` and `checkTopic` (they must not run concurrently with
    /// it). The producer is unusable afterwards.
    @discardableResult
    public func close(timeout: Duration) -> Int {
        guard !closed.exchange(true, ordering: .relaxed) else { return 0 }
        poller.stop()
        let timeoutMs = Int32(clamping: milliseconds(timeout))
        // rd_kafka_flush serves the remaining delivery reports on this thread; its result is
        // _TIMED_OUT when messages remain, which the queue length says more precisely.
        _ = rd_kafka_flush(client.pointer, timeoutMs)
        let undelivered = Int(rd_kafka_outq_len(client.pointer))
        destroy()
        return undelivered
    }
}
