import Checkpoint
import Formats
import Foundation
import Logging
import MDCA
import Outputs
import Synchronization
import TestSupport
import Testing
@testable import Forwarder

/// Both streams in one process, in-process (issue 18 item 2): two cores, one test clock, one
/// output, the service's turns (`StreamTurns`) and the health service's tick over both cores.
struct TwoStreamHarness {
    static let pollWait: Duration = .seconds(60)
    static let fetchAllowance: Duration = .seconds(210)

    let clock = TestClock()
    let activitiesAPI: ScriptedSource
    let alertsAPI: ScriptedSource
    let output = FakeOutput(name: "siem")
    let dir: TempDir
    let activities: ActivityCore
    let alerts: AlertCore
    let writer: StateWriter
    let streams: [any StreamRunning]

    init(resolutions: Bool = false) throws {
        activitiesAPI = ScriptedSource(clock: clock)
        alertsAPI = ScriptedSource(clock: clock)
        dir = try TempDir("two-streams")
        let logger = Logger(label: "two-streams")
        let start = clock.wallMs - 3_600_000
        activities = ActivityCore(stream: .activities, position: Cursor(createdMs: start), clock: clock,
                                  requestAllowance: Self.fetchAllowance, logger: logger)
        let alertCursor = AlertCursor(timestampMs: start)
        alerts = AlertCore(stream: .alerts, position: AlertPosition(cursor: alertCursor, closures: resolutions ? alertCursor : nil), clock: clock,
                           requestAllowance: Self.fetchAllowance, logger: logger)
        writer = StateWriter(file: StateFile(path: dir.file("state.json")), activities: activities, alerts: alerts)
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 1 << 20))
        let delivery = Delivery(slots: [Delivery.Slot(output: output, encoder: encoder)], logger: logger, giveUpAfter: nil)
        streams = [
            StreamEngine(core: activities, source: ActivitySource(url: "http://127.0.0.1/api/v1/activities/"),
                         fetcher: activitiesAPI, delivery: delivery, writer: writer,
                         settings: .init(settleTime: .seconds(60), fetchAllowance: Self.fetchAllowance)),
            StreamEngine(core: alerts, source: AlertSource(url: "http://127.0.0.1/api/v1/alerts/", overlapMs: 0, resolutions: resolutions),
                         fetcher: alertsAPI, delivery: delivery, writer: writer,
                         settings: .init(settleTime: .seconds(60), fetchAllowance: Self.fetchAllowance)),
        ]
    }

    var startMs: Int64 { clock.wallMs - 3_600_000 }

    /// Both streams idle after a poll, as `run` leaves them.
    func idle() {
        for stream in streams { stream.control.begin("waiting for next poll", within: Self.pollWait + .seconds(30)) }
    }

    /// One pass of both streams in the background; the clock learns when it ended.
    func pass() -> Task<PassResult, any Error> {
        let (streams, clock) = (self.streams, self.clock)
        return Task {
            defer { clock.finish() }
            var cleared = false
            do throws(StreamFailure) {
                return try await StreamTurns(logger: Logger(label: "turns")).pass(streams, problemCleared: &cleared)
            } catch {
                throw error.error
            }
        }
    }

    /// Runs the clock through every sleep of the pass until it ends, ticking the health
    /// service every second of test time as the daemon does; returns the longest stretch
    /// without a ping, the wedges reported and every STATUS line sent.
    func driveWatchingPings() async -> (maxGap: Duration, wedged: [String], statuses: [String]) {
        var memory = HealthService.Memory()
        var lastPing = clock.now
        var maxGap: Duration = .zero
        var wedged: [String] = []
        var statuses: [String] = []
        let cores: [any StreamHealth] = [activities, alerts]
        while let wait = await clock.nextSleepOrFinish() {
            var step: Duration = .zero
            repeat {
                let tick = HealthService.tick(cores: cores, watchdog: true, memory: &memory)
                if let status = tick.status { statuses.append(status) }
                if tick.ping { lastPing = clock.now } else { maxGap = max(maxGap, clock.now - lastPing) }
                if tick.reportWedged { wedged.append(cores.filter { !$0.isAlive(at: clock.now) }.map(\.stream.rawValue).joined(separator: ",")) }
                let slice = min(.seconds(1), max(wait - step, .zero))
                clock.advance(by: slice)
                step += slice
            } while step < wait
        }
        return (maxGap, wedged, statuses)
    }
}

@Suite struct TwoStreamTests {
    typealias R = ScriptedSource

    /// 100 activity pages, each 2 s of pacing (a long backfill of 200 s of test time) while
    /// alerts wait for their turn: the watchdog is fed all along.
    @Test func longActivitiesBackfillWhileAlertsWait() async throws {
        let h = try TwoStreamHarness()
        h.idle()
        for page in 0..<100 {
            let records = (0..<5).map { R.record("p\(page)r\($0)", created: h.startMs + Int64(page * 5 + $0)) }
            h.activitiesAPI.enqueue(.slow(.seconds(2), then: .page(records, hasNext: page < 99)))
        }
        h.alertsAPI.enqueue(.page([R.alert("al1", at: h.startMs + 5)], hasNext: false))
        let pass = h.pass()
        let drive = await h.driveWatchingPings()
        let result = try await pass.value
        #expect(result.completed && result.delivered == 501)
        #expect(drive.wedged.isEmpty && drive.maxGap == .zero, "pings stopped for \(drive.maxGap); wedged: \(drive.wedged)")
        #expect(h.clock.now >= .seconds(200), "the backfill outlasts the idle stream's poll deadline")
    }

    /// The other way round: a long alerts backfill while activities wait.
    @Test func longAlertsBackfillWhileActivitiesWait() async throws {
        let h = try TwoStreamHarness()
        h.idle()
        h.activitiesAPI.enqueue(.page([R.record("a1", created: h.startMs + 1)], hasNext: false))
        for page in 0..<100 {
            let records = (0..<100).map { R.alert("p\(page)a\($0)", at: h.startMs + Int64(page * 100 + $0)) }
            h.alertsAPI.enqueue(.slow(.seconds(2), then: .page(records, hasNext: true)))
        }
        h.alertsAPI.enqueue(.page([], hasNext: false))
        let pass = h.pass()
        let drive = await h.driveWatchingPings()
        let result = try await pass.value
        #expect(result.completed && result.delivered == 10_001)
        #expect(drive.wedged.isEmpty && drive.maxGap == .zero, "pings stopped for \(drive.maxGap); wedged: \(drive.wedged)")
        #expect(h.activities.snapshot.phase == "waiting for its turn")
    }

    /// The activities endpoint answers 503 for 20 minutes while alerts work afterwards: the
    /// retry waits are announced, the waiting stream has no deadline, pings never stop, and
    /// STATUS names the problem on the activities' line only.
    @Test func outageOfOneEndpointWhileTheOtherWorks() async throws {
        let h = try TwoStreamHarness()
        h.idle()
        let outage = APIError.server(url: "http://127.0.0.1/api/v1/activities/", status: 503, snippet: "Service Unavailable")
        let waits: [Duration] = Array(repeating: .seconds(300), count: 4)
        h.activitiesAPI.enqueue(.retries(outage, waits: waits, then: .page([R.record("a1", created: h.startMs + 1)], hasNext: false)))
        h.alertsAPI.enqueue(.page([R.alert("al1", at: h.startMs + 5)], hasNext: false))
        let pass = h.pass()
        let drive = await h.driveWatchingPings()
        _ = try await pass.value
        #expect(drive.statuses.contains { $0.contains("activities: cursor") && $0.contains("problem: API unavailable: HTTP 503, retrying in") },
                "STATUS named the outage")
        #expect(!drive.statuses.contains { $0.split(separator: ";").last?.contains("HTTP 503") == true }, "not on the alerts' part")
        #expect(h.alerts.snapshot.problem == nil)
        #expect(drive.wedged.isEmpty && drive.maxGap == .zero, "pings stopped for \(drive.maxGap)")
        #expect(h.clock.now >= .seconds(1200))
    }

    /// A request that never answers and announced nothing: once the running step overruns
    /// its allowance the pings stop and the wedge names the running stream, not the waiting one.
    @Test func aRealHangStillStopsThePings() async throws {
        let h = try TwoStreamHarness()
        h.idle()
        h.activitiesAPI.enqueue(.hang)
        let pass = h.pass()
        var memory = HealthService.Memory()
        _ = await h.clock.nextSleepOrFinish()
        h.clock.advance(by: TwoStreamHarness.fetchAllowance - .seconds(1))
        #expect(HealthService.tick(cores: [h.activities, h.alerts], watchdog: true, memory: &memory).ping, "inside the announced time")
        h.clock.advance(by: .seconds(2))
        let tick = HealthService.tick(cores: [h.activities, h.alerts], watchdog: true, memory: &memory)
        #expect(!tick.ping && tick.reportWedged)
        #expect(!h.activities.isAlive(at: h.clock.now) && h.alerts.isAlive(at: h.clock.now))
        pass.cancel()
        _ = try? await pass.value
    }
}
