import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The alerts stream through the real binary (issue 14): beside the activities, through the
/// same outputs, with closures; across SIGTERM restarts and a kill -9 with alerts arriving
/// live. CEF lines with no syslog header, so each line is one record: `|ALERT_` lines are
/// alerts, those with `cs5Label=resolutionStatus` their closures.
@Suite(.serialized)
struct AlertStreamTests {
    static let token = "alert-stream-SECRET-9d2e"
    static let alertsOn = ["alerts:", "  enabled: true", "  resolutions: true", "  initial_lookback: 2d"]

    func simulator(activities: Int, alerts: Int, burst: Int = 0, closed: Double = 0, alertRate: Double = 0, closeRate: Double = 0) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = 77
        options.token = Self.token
        options.alerts = alerts
        options.alertBurst = burst
        options.alertClosedFraction = closed
        options.alertRate = alertRate
        options.alertCloseRate = closeRate
        // Back-dated: the backlog (one day from the base) ends 3 h ago and its closures at
        // most 2 h after their alerts, all past settle_time (1 s) and inside initial_lookback
        // (2 d), so one catch-up covers it without waiting for records to age.
        options.baseTime = Int64(Date().timeIntervalSince1970 * 1000) - 27 * 3_600_000
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        return sim
    }

    /// externalId of each line, split into activities, alerts and closures.
    struct Lines {
        var activities: [String] = []
        var alerts: [String] = []
        var closures: [String] = []
        var closureStatuses: [String] = []

        init(_ lines: [String]) {
            for line in lines {
                guard let id = Self.value(of: "externalId", in: line) else { continue }
                if line.contains("|ALERT_") {
                    if let status = Self.value(of: "cs5", in: line), line.contains("cs5Label=resolutionStatus") {
                        closures.append(id)
                        closureStatuses.append(status)
                    } else {
                        alerts.append(id)
                    }
                } else {
                    activities.append(id)
                }
            }
        }

        static func value(of key: String, in line: String) -> String? {
            guard let range = line.range(of: " \(key)=") ?? line.range(of: "|\(key)=") else { return nil }
            let rest = line[range.upperBound...]
            let end = rest.range(of: #" [A-Za-z0-9]+="#, options: .regularExpression)?.lowerBound ?? rest.endIndex
            return String(rest[..<end])
        }
    }

    static func exactlyOnce(_ got: [String], _ expected: [String]) -> (missing: Int, duplicates: Int, unexpected: Int) {
        var counts: [String: Int] = [:]
        for id in got { counts[id, default: 0] += 1 }
        let want = Set(expected)
        return (want.filter { counts[$0] == nil }.count, counts.values.reduce(0) { $0 + max(0, $1 - 1) },
                counts.keys.filter { !want.contains($0) }.count)
    }

    @Test func onceDeliversBothStreamsAndEveryClosureExactlyOnce() async throws {
        let sim = try await simulator(activities: 800, alerts: 1500, burst: 130, closed: 0.3)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-alerts")
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)", format: "cef", syslog: "none", extra: ["max_message_bytes: 1048576"])],
            extraTop: Self.alertsOn)
        let r = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                           environment: fixture.environment(token: Self.token), timeout: .seconds(300))
        #expect(r.status == 0, "\(r.stderr)")
        let alerts = await sim.allAlertIDs()
        let closed = await sim.closedAlertIDs()
        let activities = await sim.allActivityIDs()
        #expect(alerts.count == 1500 && closed.count >= 300)
        #expect(await receiver.waitFor(count: activities.count + alerts.count + closed.count, timeout: .seconds(20)))
        let lines = Lines(receiver.received)
        #expect(Self.exactlyOnce(lines.alerts, alerts) == (0, 0, 0), "alerts")
        #expect(Self.exactlyOnce(lines.closures, closed) == (0, 0, 0), "closures")
        #expect(Self.exactlyOnce(lines.activities, activities) == (0, 0, 0), "activities")
        #expect(Set(lines.closureStatuses).isSubset(of: ["FALSE_POSITIVE", "BENIGN", "TRUE_POSITIVE", "RESOLVED", "DISMISSED"]), "\(Set(lines.closureStatuses))")

        // The state file holds both streams; `status` still reads it; a second run sends nothing new.
        let state = try #require(FileManager.default.contents(atPath: fixture.statePath))
        let object = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        #expect(object["version"] as? Int == 2)
        #expect((object["alerts"] as? [String: Any])?["closures"] != nil)
        let status = try await ChildProcess.run("mdca-forwarder", ["status", "--json", "--config", fixture.configPath])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status.stdout)")
        let alertReport = try #require(report["alerts"] as? [String: Any], "\(status.stdout)")
        #expect(alertReport["recordsForwarded"] as? Int == alerts.count + closed.count, "\(status.stdout)")
        #expect(alertReport["problem"] is NSNull)
        let again = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                               environment: fixture.environment(token: Self.token), timeout: .seconds(120))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.exactlyOnce(Lines(receiver.received).alerts, alerts) == (0, 0, 0), "the second run repeated alerts")
        receiver.stop()
        await sim.stop()
    }

    @Test func jsonSendsEachAlertOnceAsReceived() async throws {
        let sim = try await simulator(activities: 100, alerts: 300, burst: 120)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-alerts-json")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")],
                                           extraTop: ["alerts:", "  enabled: true"])
        let r = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                           environment: fixture.environment(token: Self.token), timeout: .seconds(300))
        #expect(r.status == 0, "\(r.stderr)")
        let alerts = await sim.allAlertIDs()
        #expect(await receiver.waitFor(count: 400, timeout: .seconds(20)))
        let ids = ForwarderFixture.ids(fromJSONLines: receiver.received)
        let alertSet = Set(alerts)
        #expect(Self.exactlyOnce(ids.filter { alertSet.contains($0) }, alerts) == (0, 0, 0))
        for line in receiver.received {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line.prefix(200))")
        }
        // As received: the line is the simulator's record, byte for byte.
        let sample = try #require(alerts.first)
        let served = try #require(await sim.alert(id: sample))
        #expect(receiver.received.contains(String(decoding: served, as: UTF8.self)))
        receiver.stop()
        await sim.stop()
    }

    @Test func sigtermRestartsAndKill9WithLiveAlertsLoseNothing() async throws {
        let sim = try await simulator(activities: 300, alerts: 400, alertRate: 20, closeRate: 5)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-alerts-restart")
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)", format: "cef", syslog: "none", extra: ["max_message_bytes: 1048576"])],
            extraTop: Self.alertsOn)
        var rng = SystemRandomNumberGenerator()
        func runAndStop(_ signal: Int32) async throws {
            let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: fixture.environment(token: Self.token))
            try p.start()
            for _ in 0..<400 where !p.stderr.contains("mdca-forwarder started") { try await Task.sleep(for: .milliseconds(25)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 500...1500, using: &rng)))
            p.signal(signal)
            let status = await p.wait(timeout: .seconds(15))
            if signal == SIGTERM { #expect(status == 0, "\(p.stderr)") }
        }
        func finalOnce() async throws -> (alerts: [String], closed: [String], lines: Lines) {
            let final = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                                   environment: fixture.environment(token: Self.token), timeout: .seconds(120))
            #expect(final.status == 0, "\(final.stderr)")
            let alerts = await sim.allAlertIDs()
            let closed = await sim.closedAlertIDs()
            // A line count cannot tell when this run's lines were read: earlier runs' lines
            // (activities, and the kill -9's repeats) already reach any total. Wait instead until
            // the receiver's reader thread has every alert and closure (the settledAudit pattern
            // of DeliveryTests); the audits that follow still check missing, unexpected, duplicates.
            var lines = Lines(receiver.received)
            _ = await eventually(timeout: .seconds(20)) {
                lines = Lines(receiver.received)
                return Self.exactlyOnce(lines.alerts, alerts).missing == 0 && Self.exactlyOnce(lines.closures, closed).missing == 0
            }
            return (alerts, closed, lines)
        }

        // Four SIGTERM restarts while alerts arrive and close: exactly once in total.
        for _ in 0..<4 { try await runAndStop(SIGTERM) }
        await sim.stopLive()
        try await Task.sleep(for: .milliseconds(1200))  // the last live alerts age past settle_time
        let first = try await finalOnce()
        #expect(first.alerts.count > 400, "live alerts were added")
        #expect(Self.exactlyOnce(first.lines.alerts, first.alerts) == (0, 0, 0), "alerts across SIGTERM restarts")
        #expect(Self.exactlyOnce(first.lines.closures, first.closed) == (0, 0, 0), "closures across SIGTERM restarts")

        // Then a kill -9 in the middle of new alerts and closures: nothing lost.
        _ = await sim.addAlerts(300)
        _ = await sim.closeAlerts(60)
        try await Task.sleep(for: .milliseconds(1200))
        try await runAndStop(SIGKILL)
        let second = try await finalOnce()
        let alertAudit = Self.exactlyOnce(second.lines.alerts, second.alerts)
        let closureAudit = Self.exactlyOnce(second.lines.closures, second.closed)
        #expect(alertAudit.missing == 0 && alertAudit.unexpected == 0, "alerts: \(alertAudit)")
        #expect(closureAudit.missing == 0 && closureAudit.unexpected == 0, "closures: \(closureAudit)")
        // Only the kill -9 may repeat: at most one page (100) of each window since the last checkpoint.
        #expect(alertAudit.duplicates <= 100 && closureAudit.duplicates <= 100, "\(alertAudit) \(closureAudit)")
        receiver.stop()
        await sim.stop()
    }
}
