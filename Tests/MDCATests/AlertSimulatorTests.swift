import ActivityJSON
import Checkpoint
import Foundation
import MDCA
import Simulator
import Testing

/// AlertScan driven against the in-process simulator through ScanClient (real HTTP, the same
/// pacer and retry path as activities), as the core will drive it: deliver, advance the
/// cursor, finish.
@Suite struct AlertSimulatorTests {
    struct Delivery {
        var ids: [String] = []
        var pages = 0
    }

    static func run(_ scan: inout AlertScan, _ cursor: inout AlertCursor) async throws -> Delivery {
        var delivery = Delivery()
        while let page = try await scan.next() {
            delivery.pages += 1
            for record in page.records {
                delivery.ids.append(record.id)
                scan.advance(&cursor, past: record)
            }
        }
        scan.finish(&cursor)
        return delivery
    }

    static let overlapMs: Int64 = 600_000

    /// 1,500 alerts with 130 in one millisecond: each exactly once, with id exclusion (the
    /// default) and with pure skip paging; a second poll sends only what is new, including an
    /// alert that appears late inside the overlap window.
    @Test(arguments: [AlertScan.defaultMaxExcludedIDs, 0])
    func everyAlertExactlyOnceAcrossAMillisecondOfMoreThanAPage(_ maxExcluded: Int) async throws {
        let options = SimulatorOptions(activities: 0, seed: 14, tieFraction: 0.3, hostileFraction: 0.1, alerts: 1_500, alertBurst: 130)
        try await withSimulator(options) { server in
            let client = try makeClient(server)
            let expected = await server.allAlertIDs()
            #expect(expected.count == 1_500)
            let nowMs = Self.nowMs()
            var cursor = AlertCursor.start(nowMs: nowMs, lookbackMs: 2 * 86_400_000)
            var scan = Self.scan(client, cursor, until: nowMs, maxExcluded: maxExcluded)
            let first = try await Self.run(&scan, &cursor)
            #expect(first.ids == expected, "every alert once, in list order")
            // 1,500 alerts at 100 a page: 15 full pages and one that ends the window. Paging
            // inside the 130-alert millisecond costs no extra request.
            #expect(scan.pageCount == 16, "\(scan.pageCount) pages")
            #expect(scan.recordsReceived == 1_500 && scan.recordsSkipped == 0)
            let posts = server.requestLog.filter { $0.path.hasPrefix("/api/v1/alerts") }.count
            #expect(posts == scan.pageCount, "every page one request through the pacer, no retries")

            let newest = cursor.timestampMs
            let late = await server.addAlerts(1, timestampMs: newest - 60_000) // inside the 10 min overlap
            let fresh = await server.addAlerts(5)
            let later = Self.nowMs()
            var second = Self.scan(client, cursor, until: later, maxExcluded: maxExcluded)
            let next = try await Self.run(&second, &cursor)
            #expect(next.ids == late + fresh)
            #expect(second.recordsSkipped > 0, "the overlap was re-read and its alerts skipped")
            var third = Self.scan(client, cursor, until: Self.nowMs(), maxExcluded: maxExcluded)
            #expect(try await Self.run(&third, &cursor).ids.isEmpty)
        }
    }

    /// With `resolutions: true`: every closed alert once in the closure scan, then each new
    /// closure once more, never an open one.
    @Test func everyClosureExactlyOnce() async throws {
        let options = SimulatorOptions(activities: 0, seed: 21, alerts: 1_500, alertBurst: 110, alertClosedFraction: 0.3)
        try await withSimulator(options) { server in
            let client = try makeClient(server)
            let closedAtStart = await server.closedAlertIDs()
            #expect(closedAtStart.count > 300)
            let nowMs = Self.nowMs()
            var closures = AlertCursor.start(nowMs: nowMs, lookbackMs: 2 * 86_400_000)
            var scan = client.alertScan(.closures, cursor: closures, untilMs: nowMs, overlapMs: Self.overlapMs)
            let first = try await Self.run(&scan, &closures)
            #expect(first.ids.count == closedAtStart.count)
            #expect(Set(first.ids) == Set(closedAtStart))
            #expect(closures.timestampMs == nowMs)

            let closedNow = await server.closeAlerts(40)
            #expect(closedNow.count == 40)
            try await Task.sleep(for: .milliseconds(5)) // until must be after the closures' ms
            var second = client.alertScan(.closures, cursor: closures, untilMs: Self.nowMs(), overlapMs: Self.overlapMs)
            let next = try await Self.run(&second, &closures)
            #expect(Set(next.ids) == Set(closedNow) && next.ids.count == 40)
            var third = client.alertScan(.closures, cursor: closures, untilMs: Self.nowMs(), overlapMs: Self.overlapMs)
            #expect(try await Self.run(&third, &closures).ids.isEmpty)
        }
    }

    @Test func fetchOneAlertAndRefusedFiltersAreBadRequests() async throws {
        try await withSimulator(SimulatorOptions(activities: 0, alerts: 20)) { server in
            let client = try makeClient(server)
            let id = try #require(await server.allAlertIDs().last)
            let alert = try await client.fetchAlert(id: id)
            #expect(alert.id == id)
            #expect(Array(alert.rawJSON) == (await server.alert(id: id)))
            let error = await #expect(throws: APIError.self) {
                _ = try await client.fetchAlertPage(filtersJSON: Array(#"{"date":{"gt":1}}"#.utf8), limit: 100, skip: 0)
            }
            guard case .badRequest? = error else { Issue.record("expected 400, got \(String(describing: error))"); return }
            #expect(error?.description.contains("Operator gt is not allowed for filter date") == true, "\(String(describing: error))")
            #expect(error?.description.contains("check alerts.filters in the configuration") == true)
        }
    }

    static func scan(_ client: ScanClient, _ cursor: AlertCursor, until: Int64, maxExcluded: Int) -> AlertScan {
        AlertScan(kind: .alerts, cursor: cursor, untilMs: until, overlapMs: overlapMs, maxExcludedIDs: maxExcluded,
                  url: client.alertsURL) { filters, limit, skip throws(APIError) in
            try await client.fetchAlertPage(filtersJSON: filters, limit: limit, skip: skip)
        }
    }

    /// Wall-clock Unix ms (the simulator stamps live alerts and closures with it).
    static func nowMs() -> Int64 {
        Int64((Date.now.timeIntervalSince1970 * 1000).rounded(.down))
    }
}
