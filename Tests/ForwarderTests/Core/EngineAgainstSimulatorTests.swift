import Checkpoint
import Curl
import Formats
import Foundation
import Logging
import MDCA
import Simulator
import TestSupport
import Testing
@testable import Forwarder

/// The engine with the real scan client against the in-process simulator (issue 18 item 7):
/// the retry events the core sees are the client's own (real HTTP 503 answers, its real
/// backoff), not a script's.
@Suite struct EngineAgainstSimulatorTests {
    @Test func realRetryEventsReachTheCoreAndRecoveryClearsThem() async throws {
        var options = SimulatorOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.activities = 1_200
        options.seed = 61
        options.baseTime = Int64(Date().timeIntervalSince1970 * 1000) - 27 * 3_600_000
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        sim.setFailure(.status(503))

        let clock = SystemForwarderClock()
        let logger = Logger(label: "engine-sim")
        let client = ScanClient(
            baseURL: sim.baseURL, authenticator: TokenAuthenticator(token: Secret("sim-token")),
            http: try HTTPClient(options: HTTPClientOptions(totalTimeout: .seconds(20))),
            pacer: Pacer(requestsPerMinute: 6000), logger: logger,
            retry: RetryPolicy(maxAttempts: nil, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50)),
                               throttleWait: .milliseconds(100), throttleJitter: .milliseconds(10)))
        let dir = try TempDir("engine-sim")
        let core = ActivityCore(stream: .activities, position: Cursor(createdMs: clock.wallMs - 2 * 86_400_000), clock: clock,
                                requestAllowance: .seconds(60), logger: logger)
        let writer = StateWriter(file: StateFile(path: dir.file("state.json")), activities: core)
        let output = FakeOutput(name: "siem")
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 1 << 20))
        let delivery = Delivery(slots: [Delivery.Slot(output: output, encoder: encoder)], logger: logger, giveUpAfter: nil)
        let engine = StreamEngine(core: core, source: ActivitySource(url: client.listURL, pageSize: 500), fetcher: client,
                                  delivery: delivery, writer: writer,
                                  settings: .init(settleTime: .seconds(1), fetchAllowance: .seconds(60)))

        let pass = Task { try await engine.catchUp() }
        // Wait for the events: three real 503 answers, each announced as a retry.
        // Polled finely (the checks below read the state during a retry wait), but bounded.
        let deadline = ContinuousClock.now + .seconds(30)
        while (core.snapshot.counters.apiRequests["503"] ?? 0) < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require((core.snapshot.counters.apiRequests["503"] ?? 0) >= 3, "three 503 answers within 30 s")
        let during = core.snapshot
        #expect(during.problem?.text.contains("API unavailable: HTTP 503, retrying in") == true, "\(String(describing: during.problem))")
        #expect(during.phase == "waiting to retry the API")
        #expect(core.isAlive(at: clock.now), "an announced retry is healthy")
        #expect(output.accepted.isEmpty)

        sim.setFailure(nil)
        let result = try await pass.value
        #expect(result.completed && result.delivered == 1_200)
        let ids = ForwarderFixture.ids(fromJSONLines: output.accepted)
        #expect(Set(ids).count == 1_200 && ids.count == 1_200)
        let after = core.snapshot
        #expect(after.problem == nil)
        #expect(after.lastError?.text.contains("HTTP 503") == true)
        #expect(after.counters.apiRequests["200"] == UInt64(result.pages))
        #expect(try StateFile(path: dir.file("state.json")).load()?.counters.currentProblem == nil)
        await sim.stop()
    }
}
