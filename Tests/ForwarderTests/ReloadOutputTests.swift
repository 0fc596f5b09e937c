@testable import Forwarder
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A reload that fixes an output takes effect within seconds, even while the pass retries
/// that output (issue 18 item 3), through the binary: `run` against an output nobody listens
/// on, retried with a growing backoff; the file then names a working receiver and SIGHUP
/// arrives: everything is delivered there within seconds, each record once.
@Suite(.serialized)
struct ReloadOutputTests {
    static let token = "reload-output-SECRET-0b7e"

    @Test func aReloadFixingTheOutputDeliversWithinSecondsDuringItsRetry() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 300
        options.seed = 33
        options.token = Self.token
        // Back-dated (ends 3 h ago): past settle_time at once.
        options.baseTime = Int64(Date().timeIntervalSince1970 * 1000) - 27 * 3_600_000
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-reload-output")
        // Port 1 on loopback: refused.
        let broken = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "siem", url: "tcp://127.0.0.1:1")])
        let notify = try NotifySocket(path: dir.file("notify"))
        defer { notify.close() }
        var env = broken.environment(token: Self.token)
        env["NOTIFY_SOCKET"] = notify.path
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", broken.configPath], environment: env)
        try daemon.start()

        // The output is retried with a backoff that has grown to 8 s or more.
        let retrying = await notify.waitFor(timeout: .seconds(60)) { m in
            guard let status = m.value("STATUS"), status.contains("output siem unavailable"),
                  let match = status.firstMatch(of: /retrying in (\d+)s/), let seconds = Int(match.1) else { return false }
            return seconds >= 8
        }
        #expect(retrying != nil, "no long retry wait; \(daemon.stderr.suffix(2000))")
        // The wait the STATUS announced (at least 8 s, as waited for above).
        let announced = retrying?.message.value("STATUS")?.firstMatch(of: /retrying in (\d+)s/).flatMap { Int($0.1) } ?? 8

        // Fix the file (same output name, a receiver that listens) and reload.
        _ = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "siem", url: "tcp://127.0.0.1:\(receiver.port)")])
        let reloadAt = ContinuousClock.now
        daemon.signal(SIGHUP)
        #expect(await receiver.waitFor(count: 300, timeout: .seconds(30)), "\(receiver.count) of 300; \(daemon.stderr.suffix(2000))")
        let took = ContinuousClock.now - reloadAt
        print("reload during an output retry: 300 records delivered \(took) after SIGHUP (retry wait announced: \(announced)s)")
        // What must be shown is that the reload cut the retry wait short, not a fixed speed: a
        // loaded 2-core host can take seconds to deliver. STATUS rounds the wait up to whole
        // seconds, so the announced wait lasts more than `announced - 1` s (>= 7 s); SIGHUP
        // follows the announcement at once, so an uncut wait could not deliver this soon.
        #expect(took < .seconds(announced - 1), "the reload took \(took) to take effect, the retry wait was \(announced)s")
        // And directly, independent of timing: the delivery left its retry wait because of the
        // reload (Delivery.retryWait's `.reloaded`).
        #expect(await eventually(timeout: .seconds(10)) { daemon.stderr.contains("leaving the retry of the old output") },
                "the reload did not end the retry wait; \(daemon.stderr.suffix(2000))")
        let ids = ForwarderFixture.ids(fromJSONLines: receiver.received)
        #expect(ids.count == 300 && Set(ids).count == 300, "each record once: \(ids.count) lines, \(Set(ids).count) ids")

        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr.suffix(2000))")
        #expect(!daemon.stderr.contains(Self.token))
        receiver.stop()
        await sim.stop()
    }
}
