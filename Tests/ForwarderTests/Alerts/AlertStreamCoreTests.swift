import ActivityJSON
import Checkpoint
import Foundation
import Logging
import Testing
@testable import Forwarder

/// The alerts stream in-process (issue 18 items 1, 7): the engine with the alert source and
/// policy, a scripted Alerts API, a fake output, a real state file.
@Suite struct AlertStreamCoreTests {
    typealias R = ScriptedSource

    /// `records_received_total{stream="alerts"}` counts what the API sent (before dedupe),
    /// re-listed alerts count as skipped, and the last success is in the state file and
    /// comes back after a restart (`last_success_timestamp_seconds{stream="alerts"}`).
    @Test func alertNumbersCountBeforeDedupeAndSurviveARestart() async throws {
        let h = try TwoStreamHarness()
        let alerts = h.streams[1]
        let t = h.startMs
        h.alertsAPI.enqueue(.page([R.alert("a1", at: t + 1), R.alert("a2", at: t + 2)], hasNext: false))
        let first = try await alerts.catchUp()
        #expect(first == PassResult(delivered: 2, pages: 1, completed: true))
        // No overlap configured: only the cursor's own millisecond is remembered.
        #expect(h.alerts.committed.cursor == AlertCursor(timestampMs: t + 2, tieIDs: ["a2"], recentIDs: ["a2": t + 2]))

        h.clock.advance(by: .seconds(60))
        // The window starts at the cursor's millisecond: a2 comes back and is passed over.
        h.alertsAPI.enqueue(.page([R.alert("a2", at: t + 2), R.alert("a3", at: t + 3)], hasNext: false))
        let second = try await alerts.catchUp()
        #expect(second.delivered == 1)
        let c = h.alerts.snapshot.counters
        #expect(c.received == 4 && c.delivered == 3 && c.skipped == 1 && c.pages == 2)
        #expect(h.output.accepted.count == 3)
        #expect(h.alertsAPI.sent.last?.filtersText.contains(#""date":{"gte":\#(t + 2)"#) == true)

        let stored = try #require(try StateFile(path: h.dir.file("state.json")).load()?.alerts)
        #expect(stored.lastSuccessfulPoll == h.clock.wall)
        #expect(stored.counters.recordsForwarded == 3 && stored.counters.recordsSkipped == 1)

        // Restart: the daemon's own start-up path restores the alerts' last success.
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal(more: """
            state:
              path: \(h.dir.file("state.json"))
            alerts:
              enabled: true

            """))
        let (_, restored, _) = try await Commands.openState(config: config, clock: h.clock, logger: Logger(label: "restart"))
        let core = try #require(restored)
        #expect(core.health.lastSuccess == h.clock.wall)
        #expect(core.committed.cursor == h.alerts.committed.cursor)
        let board = OutputBoard(names: [])
        let metrics = String(decoding: MetricsExporter(cores: [core], outputs: { board }, writes: { .init() }, version: "t").render(), as: UTF8.self)
        let expected = "mdca_forwarder_last_success_timestamp_seconds{stream=\"alerts\"} \(h.clock.wall.timeIntervalSince1970)"
        #expect(metrics.contains(expected), "\(metrics.split(separator: "\n").filter { $0.contains("last_success") })")
    }

    /// Closures on: the alert window, then the closures window; an open record in it is
    /// passed over; the closures cursor moves to the window's end only once it completed.
    @Test func closuresFollowACompletedAlertWindow() async throws {
        let h = try TwoStreamHarness(resolutions: true)
        let alerts = h.streams[1]
        let t = h.startMs
        h.alertsAPI.enqueue(.page([R.alert("a1", at: t + 1)], hasNext: false))
        h.alertsAPI.enqueue(.page([R.alert("a0", at: t - 5, closedAt: t + 10), R.alert("reopened", at: t - 4)], hasNext: false))
        let result = try await alerts.catchUp()
        #expect(result == PassResult(delivered: 2, pages: 2, completed: true))
        let position = h.alerts.committed
        let untilMs = h.clock.wallMs - 60_000
        #expect(position.closures?.timestampMs == untilMs)
        #expect(h.output.accepted.count == 2, "the alert and one closure")
        #expect(h.output.accepted.last?.contains("\"a0\"") == true)
        #expect(h.alerts.snapshot.counters.skipped == 1, "the open record")
        #expect(try StateFile(path: h.dir.file("state.json")).load()?.alerts?.closures == position.closures)
    }
}
