import Foundation
import Kafka
import KafkaTestSupport

// mdca-kafka-mock [--brokers N] [--topic NAME --partitions P]
//
// Starts librdkafka's mock cluster on loopback, prints `bootstrap HOST:PORT,…` and runs until
// stdin closes. For `make bench` and manual trials; the tests start the same cluster in-process.
// Commands on stdin, one a line: `down` (every broker refuses connections), `up`,
// `follow PATH` (a consumer reads --topic from the beginning as it is written and appends each
// record's key to PATH, one a line: the mock keeps only the last few MB of a partition, so a
// long run is read while it is produced), `settle` (waits until 3 s pass without a new record,
// then prints `settled N`, the records read so far). For `make soak`.
//
// mdca-kafka-mock --produce N [--bytes B] [--batch K] [--partitions P]: instead, produces N
// records of B bytes through the forwarder's producer (acks=all, idempotence) in batches of K,
// waiting for each batch's delivery reports as the kafka output does, and prints records/s.
func complain(_ text: String) {
    FileHandle.standardError.write(Data("mdca-kafka-mock: \(text)\n".utf8))
}

var brokers = 3
var topic: String?
var partitions = 3
var produce: Int?
var bytes = 2800
var batch = 1000
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--brokers": brokers = arguments.popFirst().flatMap { Int($0) } ?? brokers
    case "--topic": topic = arguments.popFirst()
    case "--partitions": partitions = arguments.popFirst().flatMap { Int($0) } ?? partitions
    case "--produce": produce = arguments.popFirst().flatMap { Int($0) }
    case "--bytes": bytes = arguments.popFirst().flatMap { Int($0) } ?? bytes
    case "--batch": batch = arguments.popFirst().flatMap { Int($0) } ?? batch
    default:
        complain("unknown argument \(argument)")
        exit(64)
    }
}

/// Produces `total` records in batches, each awaited like KafkaOutput.deliver; records/s.
func measure(cluster: KafkaMockCluster, total: Int, bytes: Int, batch: Int, partitions: Int, brokers: Int) async throws -> Double {
    try cluster.createTopic("throughput", partitions: partitions, replicationFactor: min(brokers, 3))
    let producer = try KafkaProducer(settings: [KafkaSetting("bootstrap.servers", cluster.bootstrapServers)],
                                     topic: "throughput", deliveryTimeout: .seconds(30), logger: nil)
    let values = [UInt8](repeating: UInt8(ascii: "x"), count: bytes * batch)
    // Keys spread the records over the partitions, as the activities' `_id`s do.
    let keys = (0..<total).map { String(format: "%016llx", UInt64($0) &* 0x9E37_79B9_7F4A_7C15) }.joined().utf8.map { $0 }
    let started = ContinuousClock.now
    var sent = 0
    while sent < total {
        let count = min(batch, total - sent)
        let first = sent
        let ticket = await withCheckedContinuation { continuation in
            // Producing may block on a full queue: a dispatch thread, as in the output.
            DispatchQueue.global().async {
                // One value buffer per batch, as MessageBatch holds the encoded records.
                let ticket = values.withUnsafeBytes { payload in
                    keys.withUnsafeBytes { keys in
                        let batchKeys = UnsafeRawBufferPointer(rebasing: keys[(first * 16)..<((first + count) * 16)])
                        return producer.enqueue(count: count, values: payload, keys: batchKeys) { i in
                            ((i * bytes)..<((i + 1) * bytes), (i * 16)..<((i + 1) * 16))
                        }
                    }
                }
                continuation.resume(returning: ticket)
            }
        }
        try await producer.delivered(ticket)
        sent += count
    }
    let elapsed = ContinuousClock.now - started
    return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// A consumer on a thread of its own, from the beginning of every partition, appending each
/// record's key to a file as it arrives.
final class Follower: @unchecked Sendable {
    // @unchecked: `count` and `last` are guarded by `lock`; the consumer is used by its thread only.
    private let lock = NSLock()
    private var count = 0
    private var last = ContinuousClock.now

    init(topic: String, partitions: Int, bootstrap: String, path: String) throws {
        let consumer = try KafkaConsumer(bootstrapServers: bootstrap, topic: topic, partitions: partitions)
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        Thread { [self] in
            while true {
                do {
                    guard let record = try consumer.poll(timeout: .milliseconds(200)) else { continue }
                    handle.write(Data((record.key ?? []) + [UInt8(ascii: "\n")]))
                    lock.withLock {
                        count += 1
                        last = ContinuousClock.now
                    }
                } catch {
                    // Brokers taken down on purpose: the consumer retries; say so, keep reading.
                    complain("follow: \(error)")
                }
            }
        }.start()
    }

    /// Waits until `quiet` passes without a new record; the records read so far.
    func settled(quiet: Duration) -> Int {
        while true {
            let (n, since) = lock.withLock { (count, ContinuousClock.now - last) }
            if since >= quiet { return n }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}

var follower: Follower?

do {
    let cluster = try KafkaMockCluster(brokers: brokers)
    if let produce {
        let rate = try await measure(cluster: cluster, total: produce, bytes: bytes, batch: batch, partitions: partitions, brokers: brokers)
        print("produced \(produce) records of \(bytes) B in batches of \(batch) to \(brokers) mock brokers (\(partitions) partitions): \(Int(rate)) records/s")
        exit(0)
    }
    if let topic { try cluster.createTopic(topic, partitions: partitions, replicationFactor: min(brokers, 3)) }
    // Unbuffered: the parent reads this line while the process keeps running.
    FileHandle.standardOutput.write(Data("bootstrap \(cluster.bootstrapServers)\n".utf8))
    while let line = readLine() {
        switch line.trimmingPrefix(" ") {
        case "down": try cluster.setAllBrokers(up: false)
        case "up": try cluster.setAllBrokers(up: true)
        case let command where command.hasPrefix("follow "):
            guard let topic, follower == nil else {
                complain("follow needs --topic, once")
                continue
            }
            follower = try Follower(topic: topic, partitions: partitions, bootstrap: cluster.bootstrapServers,
                                    path: String(command.dropFirst(7)))
        case "settle":
            guard let follower else {
                complain("settle needs follow first")
                continue
            }
            FileHandle.standardOutput.write(Data("settled \(follower.settled(quiet: .seconds(3)))\n".utf8))
        default: complain("unknown command \(line)")
        }
    }
} catch {
    complain("\(error)")
    exit(1)
}
