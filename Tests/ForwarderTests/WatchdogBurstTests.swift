@testable import Forwarder
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Liveness belongs to the process (issue 18 item 2), through the binary: `run` with both
/// streams on, `WATCHDOG_USEC=10s`, idle, then a burst paged at `requests_per_minute: 30`
/// long enough to span several watchdog intervals: no gap between pings over 10 s, for a
/// burst of activities and for a burst of alerts.
///
/// `MDCA_BURST_ACTIVITIES=100000` runs the activities case with the full burst
/// (about 14 minutes; a measurement by hand, not part of the normal run: 804 s, 803 pings,
/// largest gap 1.2 s on the 2-core build machine).
@Suite(.serialized)
struct WatchdogBurstTests {
    static let token = "watchdog-burst-SECRET-41aa"
    static let watchdog: Duration = .seconds(10)

    /// Returns once the wall clock's millisecond changed (records added next get a new one).
    static func nextMillisecond() async {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        while Int64(Date().timeIntervalSince1970 * 1000) == now { await Task.yield() }
    }

    enum Burst: String, CaseIterable, Sendable {
        case activities, alerts
    }

    @Test(arguments: Burst.allCases) func noPingGapDuringABurst(_ burst: Burst) async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 200
        options.alerts = 50
        options.seed = 18
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-watchdog-burst")
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")],
            pollInterval: "5s", settleTime: "1s", extraTenant: ["requests_per_minute: 30"],
            extraTop: ["alerts:", "  enabled: true", "  initial_lookback: 2d"])
        let notify = try NotifySocket(path: dir.file("notify"))
        defer { notify.close() }
        var env = fixture.environment(token: Self.token)
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = String(Int(Self.watchdog.components.seconds) * 1_000_000)
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: env)
        try daemon.start()

        // Idle: both backlogs delivered.
        let backlog = 250
        #expect(await receiver.waitFor(count: backlog, timeout: .seconds(60)), "backlog not delivered: \(receiver.count); \(daemon.stderr)")

        // The burst: pages of 500 activities or 100 alerts, 30 requests a minute for both streams.
        // Spread over milliseconds (a page must not hold one millisecond only), added at once.
        let start = ContinuousClock.now
        let size: Int
        switch burst {
        case .activities:
            size = ProcessInfo.processInfo.environment["MDCA_BURST_ACTIVITIES"].flatMap(Int.init) ?? 15_000
            for _ in 0..<(size / 250) {
                await sim.addActivities(250)
                await Self.nextMillisecond()
            }
        case .alerts:
            size = 4_000
            for _ in 0..<(size / 50) {
                await sim.addAlerts(50)
                await Self.nextMillisecond()
            }
        }
        // Both streams share 30 requests a minute: allow ~5 s a page, plus the start.
        let minutes = Double(size / (burst == .activities ? 500 : 100)) / 12 + 2
        #expect(await receiver.waitFor(count: backlog + size, timeout: .seconds(minutes * 60)),
                "burst not delivered: \(receiver.count - backlog) of \(size); \(daemon.stderr.suffix(2000))")
        let window = ContinuousClock.now - start
        let pings = NotifyContractTests.pings(notify.messages, from: start, window: window)
        print("watchdog burst \(burst.rawValue) \(size): \(window) for the burst, \(pings.count) pings, largest gap \(pings.maxGap)")
        #expect(window > Self.watchdog * 2, "the burst must span several watchdog intervals (\(window))")
        #expect(pings.maxGap <= Self.watchdog, "a \(pings.maxGap) gap between pings during the \(burst.rawValue) burst")
        #expect(!daemon.stderr.contains("withholding watchdog pings"), "\(daemon.stderr.suffix(2000))")

        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr.suffix(2000))")
        receiver.stop()
        await sim.stop()
    }
}
