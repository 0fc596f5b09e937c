import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The two executables as users run them: `mdca-simulator` in one terminal, then
/// `mdca-forwarder test` against it and a real rsyslogd (PRODUCT §5: exit 0, 77, 69).
@Suite(.serialized)
struct CommandLineTests {
    static let token = "cli-test-token"

    /// Starts `mdca-simulator` on a free port and returns it with its base URL, read from the
    /// line it must print first.
    func startSimulator() async throws -> (ChildProcess, String) {
        let sim = ChildProcess("mdca-simulator", arguments: ["--listen", "127.0.0.1:0", "--activities", "50", "--token", Self.token])
        try sim.start()
        let deadline = ContinuousClock.now + .seconds(20)
        while !sim.stdout.contains("\n"), sim.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let first = String(sim.stdout.prefix { $0 != "\n" })
        guard let match = first.wholeMatch(of: /listening on (http:\/\/127\.0\.0\.1:(\d+))/), let port = Int(match.2), port > 0 else {
            sim.signal(SIGKILL)
            _ = await sim.wait(timeout: .seconds(5))
            throw Rsyslog.Failure(description: "first line of mdca-simulator: \(first.debugDescription); stderr: \(sim.stderr)")
        }
        return (sim, String(match.1))
    }

    func runTest(config: String, token: String) async throws -> (status: Int32?, stdout: String, stderr: String) {
        try await ChildProcess.run("mdca-forwarder", ["test", "--config", config],
                                   environment: [ForwarderFixture.tokenVariable: token], timeout: .seconds(90))
    }

    @Test(.timeLimit(.minutes(2)))
    func testCommandChecksAPIAndEveryOutput() async throws {
        let (sim, baseURL) = try await startSimulator()
        do {
            try await checkTestCommand(baseURL: baseURL)
        } catch {
            sim.signal(SIGKILL)
            _ = await sim.wait(timeout: .seconds(5))
            throw error
        }
        sim.signal(SIGTERM)
        #expect(await sim.wait(timeout: .seconds(10)) == 0, "mdca-simulator exits 0 on SIGTERM")
    }

    func checkTestCommand(baseURL: String) async throws {
        let dir = try TempDir("mdca-e2e-cli")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")), name: "cli")
        let rsyslog = try await Rsyslog.start(listeners: [
            .init(name: "tcp", kind: .tcp), .init(name: "udp", kind: .udp), .init(name: "tls", kind: .tls(certificates)),
        ])
        defer { rsyslog.stop() }
        let outputs: [ForwarderFixture.OutputSpec] = [
            .init(name: "tcp", url: "tcp://127.0.0.1:\(rsyslog.port(named: "tcp"))"),
            .init(name: "udp", url: "udp://127.0.0.1:\(rsyslog.port(named: "udp"))", extra: []),
            .init(name: "tls", url: "tls://127.0.0.1:\(rsyslog.port(named: "tls"))",
                  extra: ["tls: {ca_file: \(certificates.caFile), server_name: localhost}"]),
        ]
        let good = try ForwarderFixture(dir: dir, tenantURL: baseURL, outputs: outputs)

        let passed = try await runTest(config: good.configPath, token: Self.token)
        #expect(passed.status == 0, "stdout: \(passed.stdout) stderr: \(passed.stderr)")
        let okLines = passed.stdout.split(separator: "\n").filter { $0.hasPrefix("ok") }
        #expect(okLines.count == 4, "one ok line for the API and each output: \(passed.stdout)")
        #expect(okLines.contains { $0.contains("api \(baseURL)") })
        for name in ["tcp", "udp", "tls"] {
            #expect(okLines.contains { $0.contains("output \(name) ") }, "ok line for output \(name): \(passed.stdout)")
        }

        // A wrong token (the environment variable's value): 77, credentials rejected, and the
        // wrong secret is never echoed.
        let wrong = "not-the-\(Self.token)"
        let rejected = try await runTest(config: good.configPath, token: wrong)
        #expect(rejected.status == 77, "stdout: \(rejected.stdout) stderr: \(rejected.stderr)")
        #expect(rejected.stdout.contains("FAIL") && rejected.stdout.contains("api"), "\(rejected.stdout)")
        #expect(!(rejected.stdout + rejected.stderr).contains(wrong), "the token never appears in output")

        // An output whose port refuses connections: 69, unreachable; the API check still passes.
        let refusing = try FreePort.tcp()  // bound and released: nothing listens there
        let badOutput = try ForwarderFixture(dir: dir, tenantURL: baseURL,
                                             outputs: outputs + [.init(name: "down", url: "tcp://127.0.0.1:\(refusing)")],
                                             name: "refusing.yaml")
        let unreachable = try await runTest(config: badOutput.configPath, token: Self.token)
        #expect(unreachable.status == 69, "stdout: \(unreachable.stdout) stderr: \(unreachable.stderr)")
        #expect(unreachable.stdout.split(separator: "\n").contains { $0.hasPrefix("FAIL") && $0.contains("output down") },
                "\(unreachable.stdout)")
        #expect(unreachable.stdout.split(separator: "\n").filter { $0.hasPrefix("ok") }.count == 4, "\(unreachable.stdout)")
    }
}
