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
        // The proof, independent of timing: the delivery left its retry wait because of the
        // reload (Delivery.retryWait's `.reloaded`), not because the wait ran out.
        #expect(await eventually(timeout: .seconds(20)) { daemon.stderr.contains("leaving the retry of the old output") },
                "the reload did not end the retry wait; \(daemon.stderr.suffix(2000))")
        #expect(await receiver.waitFor(count: 1, timeout: .seconds(30)), "nothing delivered after the reload; \(daemon.stderr.suffix(2000))")
        let first = ContinuousClock.now - reloadAt
        #expect(await receiver.waitFor(count: 300, timeout: .seconds(30)), "\(receiver.count) of 300; \(daemon.stderr.suffix(2000))")
        let all = ContinuousClock.now - reloadAt
        print("reload during an output retry: first record \(first), all 300 \(all) after SIGHUP (retry wait announced: \(announced)s)")
        // "Within seconds" (PRODUCT §7), with room for a loaded 2-core CI host (measured alone:
        // 0.15 s; 8.8 s for all 300 while a soak ran beside the whole suite). That the wait
        // was cut is what the log line above shows; a bound below the announced wait would
        // only measure the machine's load.
        #expect(first < .seconds(20), "the first record came \(first) after the reload")
        let ids = ForwarderFixture.ids(fromJSONLines: receiver.received)
        #expect(ids.count == 300 && Set(ids).count == 300, "each record once: \(ids.count) lines, \(Set(ids).count) ids")

        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr.suffix(2000))")
        #expect(!daemon.stderr.contains(Self.token))
        receiver.stop()
        await sim.stop()
    }
}
