import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §11 against the real binary: simulator (in-process) → `mdca-forwarder` (process)
/// → a real rsyslogd with imrelp that writes each message to its file before answering it
/// (`durable`). rsyslogd is killed with SIGKILL and restarted on the same port while the
/// forwarder delivers; every activity must be in the file at the end.
@Suite(.serialized)
struct RELPDeliveryTests {
    static let token = "relp-delivery-token"
    static let window = 128

    func startSimulator(activities: Int, seed: UInt64) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = seed
        options.token = Self.token
        options.tieFraction = 0.2
        options.lateFraction = 0.1
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        // Let the newest backlog records age past settle_time (1 s).
        try await Task.sleep(for: .milliseconds(1500))
        return sim
    }

    struct Audit: CustomStringConvertible {
        var missing = 0
        var duplicates = 0
        var unexpected = 0
        var description: String { "missing \(missing), duplicates \(duplicates), unexpected \(unexpected)" }
    }

    func audit(_ lines: [String], expected: [String]) -> Audit {
        var counts: [String: Int] = [:]
        for id in ForwarderFixture.ids(fromJSONLines: lines) { counts[id, default: 0] += 1 }
        let wanted = Set(expected)
        return Audit(missing: wanted.filter { counts[$0] == nil }.count,
                     duplicates: counts.values.reduce(0) { $0 + $1 - 1 },
                     unexpected: counts.keys.filter { !wanted.contains($0) }.count)
    }

    /// Waits until every expected id is in the listener's file, or the deadline. The file
    /// reaches a hundred megabytes: its lines are counted cheaply, and parsed only when there
    /// are enough of them.
    func waitForAll(_ expected: [String], _ rsyslog: Rsyslog, _ name: String, timeout: Duration) async -> Audit {
        let deadline = ContinuousClock.now + timeout
        var checkedAt = -1
        var result = Audit(missing: expected.count)
        while ContinuousClock.now < deadline {
            let count = rsyslog.lineCount(named: name)
            if count >= expected.count, count != checkedAt {
                checkedAt = count
                result = audit(rsyslog.lines(named: name), expected: expected)
                if result.missing == 0 { return result }
            }
            try? await Task.sleep(for: .milliseconds(300))
        }
        return audit(rsyslog.lines(named: name), expected: expected)
    }

    func relpOutput(_ name: String, port: Int, extra: [String] = []) -> ForwarderFixture.OutputSpec {
        .init(name: name, url: "relp://127.0.0.1:\(port)",
              extra: ["max_message_bytes: 1048576", "relp: {window: \(Self.window), timeout: 10s}"] + extra)
    }

    @Test(.timeLimit(.minutes(3)))
    func twentyThousandActivitiesArriveExactlyOnce() async throws {
        let sim = try await startSimulator(activities: 20_000, seed: 71)
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "relp", kind: .relp, template: .rawMessage)], durable: true)
        defer { rsyslog.stop() }
        let dir = try TempDir("relp-once")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [relpOutput("relp", port: rsyslog.port(named: "relp"))],
                                           pageSize: 5000)
        let result = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                                environment: fixture.environment(token: Self.token), timeout: .seconds(150))
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        // `once` returned: every record was acknowledged, hence (durable) already in the file.
        let expected = await sim.allActivityIDs()
        let audit = audit(rsyslog.lines(named: "relp"), expected: expected)
        #expect(expected.count == 20_000)
        #expect(audit.missing == 0 && audit.duplicates == 0 && audit.unexpected == 0, "\(audit)")
        await sim.stop()
    }

    /// Kills rsyslogd `kills` times while `run` delivers, each at a random moment after it
    /// received something new, and restarts it on the same port. Returns the audit and the
    /// number of kills that landed with activities still undelivered.
    func deliverThroughCrashes(listener: Rsyslog.Listener, extra: [String], activities: Int, seed: UInt64,
                               kills: Int) async throws -> (Audit, kills: Int, stderr: String) {
        let sim = try await startSimulator(activities: activities, seed: seed)
        let rsyslog = try await Rsyslog.start(listeners: [listener], durable: true)
        defer { rsyslog.stop() }
        let dir = try TempDir("relp-crash")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL,
                                           outputs: [relpOutput("relp", port: rsyslog.port(named: listener.name), extra: extra)],
                                           pageSize: 5000)
        let forwarder = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                     environment: fixture.environment(token: Self.token))
        try forwarder.start()
        let expected = await sim.allActivityIDs()
        var rng = SystemRandomNumberGenerator()
        var landed = 0
        for _ in 0..<kills {
            // A random moment while delivery is under way: after new lines arrived, 0-150 ms.
            let before = rsyslog.lineCount(named: listener.name)
            let deadline = ContinuousClock.now + .seconds(60)
            while rsyslog.lineCount(named: listener.name) <= before, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &rng)))
            // Lines never exceed deliveries plus duplicates; fewer lines than activities means
            // the crash lands before the end.
            if rsyslog.lineCount(named: listener.name) < expected.count { landed += 1 }
            rsyslog.crash()
            try await rsyslog.restart()
        }
        let result = await waitForAll(expected, rsyslog, listener.name, timeout: .seconds(120))
        forwarder.signal(SIGTERM)
        let status = await forwarder.wait(timeout: .seconds(30))
        #expect(status == 0, "forwarder exit after SIGTERM")
        await sim.stop()
        #expect(result.missing == 0, "every activity arrived before the forwarder was stopped")
        return (audit(rsyslog.lines(named: listener.name), expected: expected), landed, forwarder.stderr)
    }

    @Test(.timeLimit(.minutes(5)))
    func receiverKilledFiveTimesLosesNothing() async throws {
        let kills = 6
        let (audit, landed, stderr) = try await deliverThroughCrashes(
            listener: .init(name: "relp", kind: .relp, template: .rawMessage), extra: [],
            activities: 40_000, seed: 73, kills: kills)
        print("relp: \(kills) receiver crashes (\(landed) mid-delivery): \(audit); bound \(Self.window * kills)")
        #expect(landed >= 5, "at least five kills landed while activities were still undelivered")
        #expect(audit.missing == 0, "\(audit); forwarder stderr: \(stderr.suffix(3000))")
        #expect(audit.unexpected == 0)
        // Each crash repeats at most the commands that were waiting for their response.
        #expect(audit.duplicates <= Self.window * kills, "\(audit)")
    }

    @Test(.timeLimit(.minutes(5)))
    func receiverKilledFiveTimesLosesNothingOverTLS() async throws {
        let dir = try TempDir("relp-crash-tls")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")), name: "relp")
        let client = try certificates.makeClient()
        let kills = 5
        let (audit, landed, stderr) = try await deliverThroughCrashes(
            listener: .init(name: "relptls", kind: .relpTLS(certificates), template: .rawMessage),
            extra: ["tls: {ca_file: \(certificates.caFile), cert_file: \(client.certFile), key_file: \(client.keyFile), server_name: localhost}"],
            activities: 30_000, seed: 74, kills: kills)
        print("relp/tls: \(kills) receiver crashes (\(landed) mid-delivery): \(audit); bound \(Self.window * kills)")
        #expect(landed >= 4, "kills landed while activities were still undelivered")
        #expect(audit.missing == 0, "\(audit); forwarder stderr: \(stderr.suffix(3000))")
        #expect(audit.unexpected == 0)
        #expect(audit.duplicates <= Self.window * kills, "\(audit)")
    }

    /// The README's contrast: one rsyslogd with a tcp and a relp input (same durable rules),
    /// one forwarder with an output to each (each batch goes to tcp, then relp). The receiver
    /// is frozen (SIGSTOP) while relp delivers, given up to 2 s for bytes the tcp output wrote
    /// to show unread in its socket, then killed (SIGKILL) and restarted. The tcp output
    /// counted those bytes as delivered (accepted by the receiving host's TCP stack) and never
    /// sends them again; the relp output was still waiting for acknowledgements and sends
    /// those commands again.
    @Test(.timeLimit(.minutes(5)))
    func receiverCrashesLoseRecordsOverTCPButNotOverRELP() async throws {
        let sim = try await startSimulator(activities: 30_000, seed: 75)
        let rsyslog = try await Rsyslog.start(listeners: [
            .init(name: "tcp", kind: .tcp, template: .rawMessage),
            .init(name: "relp", kind: .relp, template: .rawMessage),
        ], durable: true)
        defer { rsyslog.stop() }
        let dir = try TempDir("relp-contrast")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [
            .init(name: "tcp", url: "tcp://127.0.0.1:\(rsyslog.port(named: "tcp"))"),
            relpOutput("relp", port: rsyslog.port(named: "relp")),
        // Small batches: a tcp batch counts as delivered once the receiving host acknowledged
        // it, and a frozen rsyslogd's socket buffer holds a 50-record batch but not a
        // 1000-record one (the tcp output would time out and resend it instead).
        ], pageSize: 5000, checkpointEvery: 50)
        let forwarder = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                     environment: fixture.environment(token: Self.token))
        try forwarder.start()
        let expected = await sim.allActivityIDs()
        let tcpPort = rsyslog.port(named: "tcp")
        let relpPort = rsyslog.port(named: "relp")
        var frozenWithUnreadData = 0
        var crashes = 0
        // At least five crashes, and more (up to ten) until one landed with tcp bytes unread:
        // that depends on where the forwarder was when the receiver froze.
        while crashes < 5 || frozenWithUnreadData == 0 && crashes < 15 {
            crashes += 1
            let before = rsyslog.lineCount(named: "relp")
            let started = ContinuousClock.now + .seconds(60)
            while rsyslog.lineCount(named: "relp") <= before, ContinuousClock.now < started {
                try await Task.sleep(for: .milliseconds(20))
            }
            rsyslog.signal(SIGSTOP)
            // The event that makes the crash lose data over tcp: a batch written, acknowledged
            // by the receiving host's TCP stack (so the tcp output counted it delivered), not
            // yet read by rsyslogd. Outputs take a batch in order, so RELP bytes waiting unread
            // mean the tcp output already returned: its batch is in rsyslogd's buffer for good.
            let deadline = ContinuousClock.now + .seconds(5)
            func landed() -> Bool { rsyslog.unreadBytes(port: tcpPort) > 0 && rsyslog.unreadBytes(port: relpPort) > 0 }
            while !landed(), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            if landed() { frozenWithUnreadData += 1 }
            rsyslog.crash()
            try await rsyslog.restart()
        }
        let relp = await waitForAll(expected, rsyslog, "relp", timeout: .seconds(120))
        // The forwarder delivers each batch to tcp before relp: once relp has everything, tcp
        // got everything it will ever get (its file stops growing).
        let tcpTotal = ContinuousClock.now + .seconds(30)
        var lastCount = -1
        while ContinuousClock.now < tcpTotal {
            let count = rsyslog.lineCount(named: "tcp")
            if count == lastCount { break }
            lastCount = count
            try await Task.sleep(for: .milliseconds(500))
        }
        let tcp = audit(rsyslog.lines(named: "tcp"), expected: expected)
        forwarder.signal(SIGTERM)
        #expect(await forwarder.wait(timeout: .seconds(30)) == 0)
        print("contrast after \(crashes) receiver crashes (\(frozenWithUnreadData) with tcp bytes unread): tcp \(tcp); relp \(relp)")
        #expect(frozenWithUnreadData >= 1, "a crash landed with tcp bytes unread")
        #expect(tcp.missing > 0, "tcp:// loses what the crashed receiver had not read: \(tcp)")
        #expect(relp.missing == 0, "relp:// loses nothing: \(relp); stderr \(forwarder.stderr.suffix(2000))")
        #expect(relp.duplicates <= Self.window * crashes)
        await sim.stop()
    }
}
