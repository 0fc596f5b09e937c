import Foundation
import Kafka

// mdca-kafka-mock [--brokers N] [--topic NAME --partitions P]
//
// Starts librdkafka's mock cluster on loopback, prints `bootstrap HOST:PORT,…` and runs until
// stdin closes. For `make bench` and manual trials; the tests start the same cluster in-process.
// Commands on stdin, one a line: `down` (every broker refuses connections), `up`,
// `dump PATH` (every record of --topic from the beginning, its key one a line in PATH, read
// until 3 s pass without a new one; then prints `dumped N`: for `make soak`).
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

/// Writes the key of every record of `topic` to `path`, one a line; the number of records.
func dump(topic: String, partitions: Int, bootstrap: String, to path: String) throws -> Int {
    let consumer = try KafkaConsumer(bootstrapServers: bootstrap, topic: topic, partitions: partitions)
    var keys = ""
    var count = 0
    var quiet = ContinuousClock.now
    while ContinuousClock.now - quiet < .seconds(3) {
        guard let record = try consumer.poll(timeout: .milliseconds(200)) else { continue }
        keys += String(decoding: record.key ?? [], as: UTF8.self) + "\n"
        count += 1
        quiet = ContinuousClock.now
    }
    try Data(keys.utf8).write(to: URL(fileURLWithPath: path))
    return count
}

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
        case let command where command.hasPrefix("dump "):
            guard let topic else {
                complain("dump needs --topic")
                continue
            }
            let count = try dump(topic: topic, partitions: partitions, bootstrap: cluster.bootstrapServers,
                                 to: String(command.dropFirst(5)))
            FileHandle.standardOutput.write(Data("dumped \(count)\n".utf8))
        default: complain("unknown command \(line)")
        }
    }
} catch {
    complain("\(error)")
    exit(1)
}
