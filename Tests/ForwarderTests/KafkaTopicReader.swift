import Dispatch
import Kafka
import KafkaTestSupport
import Synchronization

/// Reads a topic back from the beginning on a thread of its own (the consumer's poll blocks)
/// and keeps every record, so a test can wait for a count without a fixed sleep.
final class KafkaTopicReader: Sendable {
    struct Record: Sendable {
        var key: String?
        var value: String
    }

    private let records = Mutex<[Record]>([])
    private let failure = Mutex<KafkaError?>(nil)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(bootstrapServers: String, topic: String, partitions: Int) throws(KafkaError) {
        let consumer = try KafkaConsumer(bootstrapServers: bootstrapServers, topic: topic, partitions: partitions)
        DispatchQueue(label: "kafka-topic-reader").async { [self] in
            while !stopping.load(ordering: .relaxed) {
                do throws(KafkaError) {
                    if let record = try consumer.poll(timeout: .milliseconds(100)) {
                        let kept = Record(key: record.key.map { String(decoding: $0, as: UTF8.self) },
                                          value: String(decoding: record.value, as: UTF8.self))
                        records.withLock { $0.append(kept) }
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
            }
            finished.signal()
        }
    }

    var received: [Record] { records.withLock { $0 } }
    var count: Int { records.withLock { $0.count } }
    var error: KafkaError? { failure.withLock { $0 } }

    /// Waits until at least `count` records arrived; false on timeout.
    func waitFor(count: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.count < count {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return true
    }

    func stop() async {
        stopping.store(true, ordering: .relaxed)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [self] in
                finished.wait()
                continuation.resume()
            }
        }
    }
}
