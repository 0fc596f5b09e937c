@testable import Forwarder
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Forwarders sharing one tenant through a real etcd cluster, each with its own receiver and
/// notify socket (PRODUCT §13 through the binary).
final class HAInstance: @unchecked Sendable {
    let name: String
    let dir: TempDir
    let receiver: LineReceiver
    let notify: NotifySocket
    let configPath: String
    let environment: [String: String]
    private(set) var process: ChildProcess?

    /// The same configuration as a single instance, with `state.etcd` instead of `state.path`.
    /// The `/metrics` port.
    let metricsPort: UInt16

    init(name: String, sim: SimulatorServer, etcd: [String], key: String, token: String, lease: Int = 5) throws {
        metricsPort = try FreePort.tcp()
        self.name = name
        dir = try TempDir("mdca-ha-\(name)")
        receiver = try LineReceiver()
        try receiver.start()
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)", format: "cef", syslog: "none", extra: ["max_message_bytes: 1048576"])],
            checkpointEvery: HATests.checkpointEvery, extraTop: ["alerts:", "  enabled: true", "  initial_lookback: 2d", "metrics:", "  listen: 127.0.0.1:\(metricsPort)"])
        var yaml = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        let etcdSection = "state:\n  etcd:\n    endpoints: [\(etcd.joined(separator: ", "))]\n    key: \(key)\n    lease: \(lease)s\n    instance: \(name)\n"
        yaml = yaml.replacingOccurrences(of: "state:\n  path: \(fixture.statePath)\n", with: etcdSection)
        configPath = try dir.write("ha.yaml", yaml, mode: 0o644)
        notify = try NotifySocket(path: dir.file("notify"))
        var env = fixture.environment(token: token)
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "4000000"
        environment = env
    }

    func start() throws {
        let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", configPath], environment: environment)
        try p.start()
        process = p
    }

    func signal(_ sig: Int32) { process?.signal(sig) }

    /// Rewrites this instance's configuration file (for a reload); false when `transform`
    /// changed nothing.
    func rewriteConfig(_ transform: (String) -> String) throws -> Bool {
        let yaml = try String(contentsOfFile: configPath, encoding: .utf8)
        let changed = transform(yaml)
        guard changed != yaml else { return false }
        _ = try dir.write("ha.yaml", changed, mode: 0o644)
        return true
    }

    /// The last STATUS= this instance sent.
    var status: String { notify.messages.last { $0.value("STATUS") != nil }?.value("STATUS") ?? "" }

    /// Leading: its last STATUS is a stream line, not the standby's.
    var leads: Bool {
        let s = status
        return !s.isEmpty && !s.hasPrefix("standby") && !s.hasPrefix("starting")
    }

    /// Waits until a STATUS= after `from` says it leads; returns when.
    func waitUntilLeading(timeout: Duration, from: Int = 0) async -> ContinuousClock.Instant? {
        await notify.waitFor(timeout: timeout, from: from) { m in
            guard let s = m.value("STATUS") else { return false }
            return !s.hasPrefix("standby")
        }?.message.time
    }

    /// `mdca-forwarder <arguments> --config <this instance's file>`.
    func command(_ arguments: [String]) async throws -> (status: Int32?, stdout: String, stderr: String) {
        try await ChildProcess.run("mdca-forwarder", arguments + ["--config", configPath], environment: environment, timeout: .seconds(30))
    }

    func stop() {
        process?.signal(SIGKILL)
        receiver.stop()
        notify.close()
    }
}

/// Waits until `condition` holds, polling every 100 ms; false at the deadline. The one
/// polling wait of ForwarderTests (a throwing condition's error ends the wait).
func eventually(timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
