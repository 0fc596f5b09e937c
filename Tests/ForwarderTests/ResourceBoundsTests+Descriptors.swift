@testable import Forwarder
import Foundation
import Kafka
import KafkaTestSupport
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ResourceBoundsTests {
    static let outputs = ["tcp", "tls", "relp", "kafka", "file"]

    /// The daemon's open descriptors: the smallest count of ten readings 100 ms apart (a
    /// connection to the API may be open or not at any one instant), and what they point at.
    static func descriptors(_ pid: Int32) async -> (count: Int, targets: [String]) {
        var best: (Int, [String]) = (Int.max, [])
        for _ in 0..<10 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            if names.count < best.0 {
                best = (names.count, names.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?" }.sorted())
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return best
    }

    static func sent(_ scrape: [String: Double], _ output: String) -> Double {
        scrape["mdca_forwarder_records_sent_total{output=\"\(output)\",stream=\"activities\"}"] ?? -1
    }

    @Test func descriptorsReturnAfterEveryOutputWentAwayAndCameBack() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 200
        options.seed = 21
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let dir = try TempDir("mdca-fds")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")))
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "relp", kind: .relp), .init(name: "tls", kind: .tls(certificates))],
                                              durable: true)
        defer { rsyslog.stop() }
        let tcp = try LineCounter()
        try tcp.start()
        defer { tcp.stop() }
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("fds", partitions: 1, replicationFactor: 1)
        let fileDir = dir.file("out")
        let metricsPort = Int(try FreePort.tcp())
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [
            .init(name: "tcp", url: "tcp://127.0.0.1:\(tcp.port)"),
            .init(name: "tls", url: "tls://127.0.0.1:\(rsyslog.port(named: "tls"))", extra: ["tls: {ca_file: \(certificates.caFile)}"]),
            .init(name: "relp", url: "relp://127.0.0.1:\(rsyslog.port(named: "relp"))", extra: ["relp: {timeout: 3s}"]),
            .init(name: "kafka", url: "kafka://\(cluster.bootstrapServers)/fds", extra: ["kafka: {delivery_timeout: 2s}"]),
            .init(name: "file", url: "file://\(fileDir)/rx.log"),
        ], extraTop: ["metrics:", "  listen: 127.0.0.1:\(metricsPort)"])
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                  environment: fixture.environment(token: Self.token))
        try daemon.start()
        defer { daemon.signal(SIGKILL) }

        var total = 200
        func allDelivered() async throws -> Bool {
            guard let s = try? await OutageAndMetricsTests.scrape(metricsPort) else { return false }
            return Self.outputs.allSatisfy { Self.sent(s, $0) >= Double(total) && s["mdca_forwarder_output_up{output=\"\($0)\"}"] == 1 }
        }
        #expect(try await eventually(timeout: .seconds(60)) { try await allDelivered() }, "backlog: \(daemon.stderr.suffix(2000))")

        // One outage of everything: tcp receiver gone, rsyslog (relp, tls) killed, the Kafka
        // brokers down, the file's directory replaced by a file; then all of it back.
        func outage(_ round: Int) async throws {
            let before = try await OutageAndMetricsTests.scrape(metricsPort)
            let errorsBefore = Self.outputs.map { before["mdca_forwarder_output_errors_total{output=\"\($0)\"}"] ?? 0 }.reduce(0, +)
            tcp.stop()
            rsyslog.crash()
            try cluster.setAllBrokers(up: false)
            try FileManager.default.moveItem(atPath: fileDir, toPath: "\(fileDir).\(round)")
            #expect(FileManager.default.createFile(atPath: fileDir, contents: Data("in the way".utf8)))
            await sim.addActivities(20)
            total += 20
            let noticed = await eventually(timeout: .seconds(30)) {
                guard let s = try? await OutageAndMetricsTests.scrape(metricsPort) else { return false }
                return Self.outputs.map { s["mdca_forwarder_output_errors_total{output=\"\($0)\"}"] ?? 0 }.reduce(0, +) > errorsBefore
            }
            #expect(noticed, "round \(round): no output error counted")
            try tcp.start()
            try await rsyslog.restart()
            try cluster.setAllBrokers(up: true)
            try FileManager.default.removeItem(atPath: fileDir)
            let back = try await eventually(timeout: .seconds(90)) { try await allDelivered() }
            #expect(back, "round \(round): not every output delivered again: \(daemon.stderr.suffix(2000))")
        }

        // The first outage opens whatever is opened lazily once; the count after it is the reference.
        try await outage(0)
        let reference = await Self.descriptors(daemon.pid)
        for round in 1...8 { try await outage(round) }
        let after = await Self.descriptors(daemon.pid)
        print("ResourceBoundsTests: \(reference.count) descriptors after the first outage of every output, \(after.count) after 8 more")
        #expect(after.count <= reference.count,
                "descriptors \(reference.count) after the first outage, \(after.count) after 8 more; new: \(after.targets.filter { !reference.targets.contains($0) })")
        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr.suffix(2000))")
        await sim.stop()
    }
}
