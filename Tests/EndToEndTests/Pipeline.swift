import Foundation
import Formats
import Simulator
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One end-to-end setup: an in-process simulator, a private rsyslogd with four inputs (TCP
/// with LF framing, TCP with octet counting, UDP, TLS), and `mdca-forwarder run` as a real
/// process with one output per input.
final class Pipeline: Sendable {
    static let token = "e2e-secret-token"
    static let cefVersion = "1.0"

    /// How each rsyslog input's lines are read back.
    enum Payload: Sendable {
        /// `%msg%` of an RFC 5424 message: the CEF line.
        case cef
        /// `%msg%` of an RFC 5424 message: the record's JSON.
        case json
        /// `%rawmsg%` of an RFC 3164 message: `<PRI>TIMESTAMP HOST TAG: ` then the CEF line.
        case cefAfter3164Header
    }

    struct Channel: Sendable {
        var name: String
        var payload: Payload
        var options: MessageOptions
    }

    let sim: SimulatorServer
    let rsyslog: Rsyslog
    let dir: TempDir
    let forwarder: ChildProcess
    let channels: [Channel]

    private init(sim: SimulatorServer, rsyslog: Rsyslog, dir: TempDir, forwarder: ChildProcess, channels: [Channel]) {
        self.sim = sim
        self.rsyslog = rsyslog
        self.dir = dir
        self.forwarder = forwarder
        self.channels = channels
    }

    /// Starts rsyslog, the simulator and the forwarder (in that order).
    static func start(simulator options: SimulatorOptions, pageSize: Int, extraTenant: [String] = []) async throws -> Pipeline {
        let dir = try TempDir("mdca-e2e")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")), name: "rsyslog")
        let rsyslog = try await Rsyslog.start(listeners: [
            .init(name: "lf", kind: .tcp),
            .init(name: "octet", kind: .tcp),
            .init(name: "udp", kind: .udp, template: .rawMessage),
            .init(name: "tls", kind: .tls(certificates)),
        ])
        var simOptions = options
        simOptions.port = 0
        simOptions.token = token
        let sim = SimulatorServer(options: simOptions)
        do {
            _ = try await sim.start()
        } catch {
            rsyslog.stop()
            throw error
        }

        // Caps far above the longest message (a CEF line is at most ~22 KB with every field at
        // its CEF limit; hostile JSON records ~30 KB), so nothing is truncated and every line
        // must equal its record exactly. rsyslog's maxMessageSize is 1 MiB.
        let cef = ["cef: {version: \"\(cefVersion)\"}"]
        let outputs: [ForwarderFixture.OutputSpec] = [
            .init(name: "lf", url: "tcp://127.0.0.1:\(rsyslog.port(named: "lf"))", format: "cef", syslog: "rfc5424",
                  extra: ["framing: lf", "max_message_bytes: 65536"] + cef),
            .init(name: "octet", url: "tcp://127.0.0.1:\(rsyslog.port(named: "octet"))", format: "json", syslog: "rfc5424",
                  extra: ["framing: octet-counting", "max_message_bytes: 1048576"]),
            .init(name: "udp", url: "udp://127.0.0.1:\(rsyslog.port(named: "udp"))", format: "cef", syslog: "rfc3164",
                  extra: ["max_message_bytes: 65507"] + cef),
            .init(name: "tls", url: "tls://127.0.0.1:\(rsyslog.port(named: "tls"))", format: "cef", syslog: "rfc5424",
                  extra: ["max_message_bytes: 65536", "tls: {ca_file: \(certificates.caFile), server_name: localhost}"] + cef),
        ]
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: outputs, pageSize: pageSize,
                                           pollInterval: "1s", settleTime: "1s", extraTenant: extraTenant)
        let forwarder = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                     environment: fixture.environment(token: token))
        do {
            try forwarder.start()
        } catch {
            rsyslog.stop()
            await sim.stop()
            throw error
        }
        let cefOptions = MessageOptions(format: .cef, maxMessageBytes: 1 << 20,
                                         cef: CEFOptions(version: cefVersion, portalURL: sim.baseURL))
        let channels = [
            Channel(name: "lf", payload: .cef, options: cefOptions),
            Channel(name: "octet", payload: .json, options: cefOptions),
            Channel(name: "udp", payload: .cefAfter3164Header, options: cefOptions),
            Channel(name: "tls", payload: .cef, options: cefOptions),
        ]
        return Pipeline(sim: sim, rsyslog: rsyslog, dir: dir, forwarder: forwarder, channels: channels)
    }

    /// Stops everything still running (idempotent).
    func tearDown() async {
        forwarder.signal(SIGKILL)
        _ = await forwarder.wait(timeout: .seconds(5))
        rsyslog.stop()
        await sim.stop()
    }

    /// The payload of one received line, with the syslog header (if still there) checked and removed.
    static func payload(of line: String, _ kind: Payload) -> String? {
        switch kind {
        case .cef, .json:
            return line
        case .cefAfter3164Header:
            // local0.info = 16 * 8 + 6; TAG is the app name and the daemon's pid.
            guard line.hasPrefix("<134>"), let tag = line.range(of: " mdca-forwarder["),
                  let end = line.range(of: "]: ", range: tag.upperBound..<line.endIndex),
                  line[tag.upperBound..<end.lowerBound].allSatisfy(\.isNumber)
            else { return nil }
            return String(line[end.upperBound...])
        }
    }

    /// The activity id of a payload, or nil when it is not one of ours.
    static func id(of payload: String, _ kind: Payload) -> String? {
        switch kind {
        case .json:
            guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { return nil }
            return object["_id"] as? String
        case .cef, .cefAfter3164Header:
            guard let line = try? CEFLine(payload), let id = line["externalId"] else { return nil }
            return CEFLine.unescape(id)
        }
    }

    /// Lines received per channel (fresh read of rsyslog's files).
    func lines(_ channel: Channel) -> [String] { rsyslog.lines(named: channel.name) }

    /// Waits until every channel's file holds every id of `expected`; returns false on timeout.
    func waitForAll(_ expected: Set<String>, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var complete: Set<String> = []
        while ContinuousClock.now < deadline {
            for channel in channels where !complete.contains(channel.name) {
                let lines = lines(channel)
                // Cheap test first: reading ids is only worth it once the count is there.
                guard lines.count >= expected.count else { continue }
                let ids = Set(lines.compactMap { Self.payload(of: $0, channel.payload).flatMap { Self.id(of: $0, channel.payload) } })
                if expected.isSubset(of: ids) { complete.insert(channel.name) }
            }
            if complete.count == channels.count { return true }
            guard forwarder.isRunning else { return false }
            try await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    /// Waits until rsyslog's files stop growing (nothing more in flight), at most `timeout`.
    func waitForQuiet(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last: [UInt64] = []
        while ContinuousClock.now < deadline {
            let sizes = channels.map { channel -> UInt64 in
                let path = rsyslog.directory.appendingPathComponent("\(channel.name).log").path
                return ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
            }
            if sizes == last { return }
            last = sizes
            try await Task.sleep(for: .milliseconds(400))
        }
    }
}
