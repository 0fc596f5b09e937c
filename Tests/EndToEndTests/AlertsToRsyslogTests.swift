import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Both streams into a real rsyslogd (issue 14): the simulator's activities, alerts (one
/// millisecond holding more than a page of them) and closures, through `mdca-forwarder once`
/// over TCP and TLS. On each input every activity, every alert and every closure arrives
/// exactly once, as a well-formed CEF line; alert lines carry the agent's `ALERT_` signature
/// and their closures `cs5Label=resolutionStatus`.
@Suite(.serialized)
struct AlertsToRsyslogTests {
    static let token = "e2e-alerts-secret"

    @Test(.timeLimit(.minutes(3)))
    func bothStreamsArriveExactlyOnceOverTCPAndTLS() async throws {
        let dir = try TempDir("mdca-e2e-alerts")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")), name: "rsyslog")
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "lf", kind: .tcp), .init(name: "tls", kind: .tls(certificates))])
        defer { rsyslog.stop() }
        var options = SimulatorOptions(activities: 400, seed: 91, hostileFraction: 0.1)
        options.port = 0
        options.token = Self.token
        options.alerts = 500
        options.alertBurst = 120
        options.alertClosedFraction = 0.25
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        try await Task.sleep(for: .milliseconds(1500))  // the backlog's newest records age past settle_time

        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL,
            outputs: [
                .init(name: "lf", url: "tcp://127.0.0.1:\(rsyslog.port(named: "lf"))", format: "cef", syslog: "rfc5424",
                      extra: ["max_message_bytes: 65536"]),
                .init(name: "tls", url: "tls://127.0.0.1:\(rsyslog.port(named: "tls"))", format: "cef", syslog: "rfc5424",
                      extra: ["max_message_bytes: 65536", "tls: {ca_file: \(certificates.caFile), server_name: localhost}"]),
            ],
            extraTop: ["alerts:", "  enabled: true", "  resolutions: true"])
        let run = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                             environment: fixture.environment(token: Self.token), timeout: .seconds(150))
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")

        let activities = await sim.allActivityIDs()
        let alerts = await sim.allAlertIDs()
        let closed = await sim.closedAlertIDs()
        #expect(alerts.count == 500 && !closed.isEmpty)
        let total = activities.count + alerts.count + closed.count
        for _ in 0..<300 where rsyslog.lineCount(named: "lf") < total || rsyslog.lineCount(named: "tls") < total {
            try await Task.sleep(for: .milliseconds(100))   // rsyslog writes in another process
        }
        for input in ["lf", "tls"] {
            var seenActivities: [String: Int] = [:], seenAlerts: [String: Int] = [:], seenClosures: [String: Int] = [:]
            for line in rsyslog.lines(named: input) {
                let cef = try CEFLine(line)
                #expect(cef.header[0] == "CEF:0" && cef.header[1] == "MCAS" && cef.header[2] == "SIEM_Agent", "\(line.prefix(120))")
                let id = try #require(cef["externalId"], "\(line.prefix(200))")
                if cef.header[4].hasPrefix("ALERT_") {
                    #expect(cef["cs1"]?.hasSuffix("/#/alerts/\(id)") == true, "\(line.prefix(300))")
                    if cef["cs5Label"] == "resolutionStatus" {
                        seenClosures[id, default: 0] += 1
                    } else {
                        seenAlerts[id, default: 0] += 1
                    }
                } else {
                    seenActivities[id, default: 0] += 1
                }
            }
            #expect(Set(seenActivities.keys) == Set(activities) && seenActivities.values.allSatisfy { $0 == 1 }, "\(input): activities")
            #expect(Set(seenAlerts.keys) == Set(alerts) && seenAlerts.values.allSatisfy { $0 == 1 }, "\(input): alerts")
            #expect(Set(seenClosures.keys) == Set(closed) && seenClosures.values.allSatisfy { $0 == 1 }, "\(input): closures")
        }
        #expect(!run.stderr.contains(Self.token))
        await sim.stop()
    }
}
