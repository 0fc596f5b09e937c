import Foundation
import Simulator
import TestSupport
import Testing

/// Issue 18 item 3 through the binary: a paced catch-up against a server that counts request
/// arrivals over a rolling minute on its own clock, each request delayed by a random 0–0.5 s
/// before it is counted, gets no 429. (`requests_per_minute` is in whole minutes, so this
/// crosses one window: about 65 s. The several-minute run is in the closing note.)
@Suite struct RateBudgetTests {
    @Test func onceAgainstARollingWindowServerWithJitterGetsNo429() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 3_600   // 8 pages of 500
        options.seed = 18
        // A day of backlog ending 12 h ago: inside the default 2-day lookback, all settled.
        options.baseTime = Int64(Date().timeIntervalSince1970 * 1000) - 36 * 3_600_000
        options.token = CLITests.simToken
        options.throttleRPM = 5
        options.throttleMode = .rollingWindow
        options.arrivalJitter = .milliseconds(500)
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let fixture = try CLIFixture(token: CLITests.simToken)
        let out = fixture.dir.file("out.jsonl")
        let yaml = fixture.yaml(tenantURL: sim.baseURL, outputURL: "file://\(out)")
            .replacingOccurrences(of: "  auth:\n", with: "  requests_per_minute: 5\n  auth:\n")
        try fixture.write(yaml)
        let started = ContinuousClock.now
        let r = try await fixture.run(["once", "--config", fixture.configPath], timeout: .seconds(240))
        let took = ContinuousClock.now - started
        let api = sim.requestLog.filter { $0.path.hasPrefix("/api/v1/activities") }
        await sim.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let throttled = api.filter { $0.status == 429 }.count
        print("rate budget through the binary: \(api.count) requests at 5/min, \(throttled) answered 429, \(took)")
        #expect(throttled == 0)
        #expect(api.count >= 8)
        #expect(took >= .seconds(61), "the sixth request waited for the window")
        let lines = (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").count ?? 0
        #expect(lines == 3_600)
    }
}
