import ActivityJSON
import Checkpoint
import Foundation
import MDCA
import Simulator
import Testing
@testable import Forwarder

/// The alert plan and policy against the in-process simulator through ScanClient (real HTTP,
/// the same pacer and retry path as activities).
@Suite struct AlertSimulatorTests {
    typealias D = AlertWindowDriver
    static let overlapMs: Int64 = 600_000

    /// 1,500 alerts with 130 in one millisecond: each exactly once, with id exclusion (the
    /// default) and with pure skip paging; a second poll sends only what is new, including an
    /// alert that appears late inside the overlap window.
    @Test(arguments: [AlertScan.defaultMaxExcludedIDs, 0])
    func everyAlertExactlyOnceAcrossAMillisecondOfMoreThanAPage(_ maxExcluded: Int) async throws {
        let options = SimulatorOptions(activities: 0, seed: 14, tieFraction: 0.3, hostileFraction: 0.1, alerts: 1_500, alertBurst: 130)
        try await withAlertSimulator(options) { server in
            let client = try alertClient(server)
            let expected = await server.allAlertIDs()
            #expect(expected.count == 1_500)
            let nowMs = Self.nowMs()
            var cursor = AlertCursor.start(nowMs: nowMs, lookbackMs: 2 * 86_400_000)
            let first = try await D.drain(.alerts, &cursor, until: nowMs, overlap: Self.overlapMs, maxExcluded: maxExcluded,
                                          url: client.alertsURL, through: client)
            #expect(first.ids == expected, "every alert once, in list order")
            // 1,500 alerts at 100 a page: 15 full pages and one that ends the window. Paging
            // inside the 130-alert millisecond costs no extra request.
            #expect(first.pages == 16, "\(first.pages) pages")
            #expect(first.received == 1_500 && first.skipped == 0)
            let posts = server.requestLog.filter { $0.path.hasPrefix("/api/v1/alerts") }.count
            #expect(posts == first.pages, "every page one request through the pacer, no retries")

            let newest = cursor.timestampMs
            let late = await server.addAlerts(1, timestampMs: newest - 60_000) // inside the 10 min overlap
            let fresh = await server.addAlerts(5)
            let next = try await D.drain(.alerts, &cursor, until: Self.nowMs(), overlap: Self.overlapMs, maxExcluded: maxExcluded,
                                         url: client.alertsURL, through: client)
            #expect(next.ids == late + fresh)
            #expect(next.skipped > 0, "the overlap was re-read and its alerts passed over")
            let third = try await D.drain(.alerts, &cursor, until: Self.nowMs(), overlap: Self.overlapMs, maxExcluded: maxExcluded,
                                          url: client.alertsURL, through: client)
            #expect(third.ids.isEmpty)
        }
    }

    /// With `resolutions: true`: every closed alert once in the closure scan, then each new
    /// closure once more, never an open one.
    @Test func everyClosureExactlyOnce() async throws {
        let options = SimulatorOptions(activities: 0, seed: 21, alerts: 1_500, alertBurst: 110, alertClosedFraction: 0.3)
        try await withAlertSimulator(options) { server in
            let client = try alertClient(server)
            let closedAtStart = await server.closedAlertIDs()
            #expect(closedAtStart.count > 300)
            let nowMs = Self.nowMs()
            var closures = AlertCursor.start(nowMs: nowMs, lookbackMs: 2 * 86_400_000)
            let first = try await D.drain(.closures, &closures, until: nowMs, overlap: Self.overlapMs, url: client.alertsURL, through: client)
            #expect(first.ids.count == closedAtStart.count)
            #expect(Set(first.ids) == Set(closedAtStart))
            #expect(closures.timestampMs == nowMs)

            let closedNow = await server.closeAlerts(40)
            #expect(closedNow.count == 40)
            // `until` must lie after the closures' millisecond: wait for the wall clock to pass it.
            let closedAt = Self.nowMs()
            while Self.nowMs() <= closedAt { await Task.yield() }
            let next = try await D.drain(.closures, &closures, until: Self.nowMs(), overlap: Self.overlapMs, url: client.alertsURL, through: client)
            #expect(Set(next.ids) == Set(closedNow) && next.ids.count == 40)
            let third = try await D.drain(.closures, &closures, until: Self.nowMs(), overlap: Self.overlapMs, url: client.alertsURL, through: client)
            #expect(third.ids.isEmpty)
        }
    }

    /// Wall-clock Unix ms (the simulator stamps live alerts and closures with it).
    static func nowMs() -> Int64 {
        Int64((Date.now.timeIntervalSince1970 * 1000).rounded(.down))
    }
}
