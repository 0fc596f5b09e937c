import Foundation
import Kafka

// mdca-kafka-mock [--brokers N] [--topic NAME --partitions P]
//
// Starts librdkafka's mock cluster on loopback, prints `bootstrap HOST:PORT,…` and runs until
// stdin closes. For `make bench` and manual trials; the tests start the same cluster in-process.
// Commands on stdin, one a line: `down` (every broker refuses connections), `up`.
func complain(_ text: String) {
    FileHandle.standardError.write(Data("mdca-kafka-mock: \(text)\n".utf8))
}

var brokers = 3
var topic: String?
var partitions = 3
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--brokers": brokers = arguments.popFirst().flatMap { Int($0) } ?? brokers
    case "--topic": topic = arguments.popFirst()
    case "--partitions": partitions = arguments.popFirst().flatMap { Int($0) } ?? partitions
    default:
        complain("unknown argument \(argument)")
        exit(64)
    }
}

do {
    let cluster = try KafkaMockCluster(brokers: brokers)
    if let topic { try cluster.createTopic(topic, partitions: partitions, replicationFactor: min(brokers, 3)) }
    // Unbuffered: the parent reads this line while the process keeps running.
    FileHandle.standardOutput.write(Data("bootstrap \(cluster.bootstrapServers)\n".utf8))
    while let line = readLine() {
        switch line.trimmingPrefix(" ") {
        case "down": try cluster.setAllBrokers(up: false)
        case "up": try cluster.setAllBrokers(up: true)
        default: complain("unknown command \(line)")
        }
    }
} catch {
    complain("\(error)")
    exit(1)
}
