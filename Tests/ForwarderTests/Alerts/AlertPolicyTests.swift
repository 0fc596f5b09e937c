import ActivityJSON
import Checkpoint
import Foundation
import MDCA
import Synchronization
import Testing
@testable import Forwarder

/// An in-memory Alerts API with the documented list semantics: `date` gte/lte, `resolutionDate`
/// gte/lte, `ID` neq, sorted by date asc (stable inside a millisecond: insertion order), skip,
/// limit. Records every request.
final class FakeAlerts: PageFetching {
    struct Request: Sendable { var filters: String; var limit: Int; var skip: Int }
    private let state: Mutex<(alerts: [AlertRecord], requests: [Request])>

    init(_ alerts: [AlertRecord]) { state = Mutex((alerts, [])) }

    var requests: [Request] { state.withLock { $0.requests } }
    func add(_ alert: AlertRecord) { state.withLock { $0.alerts.append(alert) } }

    func fetch<Page: ListPage>(_ request: ListRequest, as: Page.Type, observer: APIObserver?) async throws(APIError) -> Page {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
        let page = self.page(request.filtersJSON, limit: (body["limit"] as? Int) ?? 0, skip: (body["skip"] as? Int) ?? 0)
        guard let typed = page as? Page else { throw .server(url: request.url, status: 500, snippet: "not an alerts request") }
        return typed
    }

    private func page(_ filtersJSON: [UInt8], limit: Int, skip: Int) -> AlertPage {
        let filters = (try? JSONSerialization.jsonObject(with: Data(filtersJSON))) as? [String: [String: Any]] ?? [:]
        func bound(_ field: String, _ op: String) -> Int64? { (filters[field]?[op] as? NSNumber)?.int64Value }
        let excluded = Set(filters["ID"]?["neq"] as? [String] ?? [])
        return state.withLock { s in
            s.requests.append(Request(filters: String(decoding: filtersJSON, as: UTF8.self), limit: limit, skip: skip))
            let matching = s.alerts.enumerated().filter { _, a in
                let ts = a.timestamp ?? 0
                if let v = bound("date", "gte"), ts < v { return false }
                if let v = bound("date", "lte"), ts > v { return false }
                if filters["resolutionDate"] != nil {
                    guard let r = a.resolvedAtMs else { return false }
                    if let v = bound("resolutionDate", "gte"), r < v { return false }
                    if let v = bound("resolutionDate", "lte"), r > v { return false }
                }
                return !excluded.contains(a.id)
            }
            .sorted { ($0.element.timestamp ?? 0, $0.offset) < ($1.element.timestamp ?? 0, $1.offset) }
            .map(\.element)
            let pageRecords = Array(matching.dropFirst(skip).prefix(min(limit, 100)))
            return AlertPage(records: pageRecords, hasNext: skip + pageRecords.count < matching.count, total: matching.count)
        }
    }
}

private func alert(_ id: String, _ ms: Int64, resolved: Int64? = nil, status: Int64? = nil) -> AlertRecord {
    AlertRecord(id: id, timestamp: ms, resolutionStatusValue: status, resolutionDate: resolved)
}

/// Alert dedupe and the alert cursors (`AlertPolicy`) over the alert request plan
/// (`AlertScan`), as the engine drives them.
@Suite struct AlertPolicyTests {
    typealias D = AlertWindowDriver

    @Test func afterAFullPageItContinuesAtTheLastMillisecondExcludingTheIdsTakenThere() async throws {
        // 99 alerts at 1..99, then 5 at ms 100: the first page ends inside ms 100.
        var alerts = (1...99).map { alert("a\($0)", Int64($0)) }
        alerts += (0..<5).map { alert("t\($0)", 100) }
        let fake = FakeAlerts(alerts)
        var cursor = AlertCursor(timestampMs: 0)
        let delivered = try await D.drain(.alerts, &cursor, until: 1_000, through: fake)
        #expect(delivered.ids == alerts.map(\.id))
        #expect(fake.requests.count == 2)
        #expect(fake.requests[1].filters == #"{"ID":{"neq":["t0"]},"date":{"gte":100,"lte":1000}}"#)
        #expect(cursor.timestampMs == 100 && cursor.tieIDs == Set((0..<5).map { "t\($0)" }))
    }

    /// The same store read with id exclusion, with pure skip paging, and with the mix past
    /// the exclusion bound: every alert exactly once, also with 250 alerts in one millisecond.
    @Test(arguments: [AlertScan.defaultMaxExcludedIDs, 0, 30])
    func aMillisecondHoldingMoreThanAPageIsReadExactlyOnce(_ maxExcluded: Int) async throws {
        var alerts: [AlertRecord] = []
        for ms in Int64(1)...40 { alerts.append(alert("before\(ms)", ms)) }
        for i in 0..<250 { alerts.append(alert("tie\(i)", 50)) }
        for ms in Int64(51)...120 { alerts += [alert("after\(ms)a", ms), alert("after\(ms)b", ms)] }
        let fake = FakeAlerts(alerts)
        var cursor = AlertCursor(timestampMs: 0)
        let delivered = try await D.drain(.alerts, &cursor, until: 10_000, maxExcluded: maxExcluded, through: fake)
        #expect(delivered.ids.count == alerts.count)
        #expect(Set(delivered.ids) == Set(alerts.map(\.id)))
        #expect(delivered.skipped == 0 && delivered.received == alerts.count)
        let neqCounts = fake.requests.map { r in r.filters.components(separatedBy: "\"tie").count - 1 }
        #expect(neqCounts.allSatisfy { $0 <= maxExcluded })
        if maxExcluded == 0 { #expect(fake.requests.contains { $0.skip > 0 }) }
        #expect(cursor.timestampMs == 120)
    }

    @Test func theNextPollSkipsWhatItDeliveredAndCatchesALateAlertInTheOverlap() async throws {
        let fake = FakeAlerts((1...10).map { alert("a\($0)", Int64($0) * 100) })
        var cursor = AlertCursor(timestampMs: 0)
        #expect(try await D.drain(.alerts, &cursor, until: 5_000, overlap: 500, through: fake).ids.count == 10)
        // Appears late: raised at 700, inside the overlap behind the cursor (1000).
        fake.add(alert("late", 700))
        fake.add(alert("new", 1_100))
        let second = try await D.drain(.alerts, &cursor, until: 6_000, overlap: 500, through: fake)
        #expect(second.ids == ["late", "new"])
        #expect(second.skipped == 6, "a5 … a10 (500 … 1000) re-read and passed over")
        #expect(second.received == 8, "received counts before dedupe")
        #expect(cursor.timestampMs == 1_100 && cursor.alreadyDelivered("late"))
        #expect(try await D.drain(.alerts, &cursor, until: 7_000, overlap: 500, through: fake).ids.isEmpty)
    }

    @Test func closuresAreSentOnceEachAndOpenOnesNever() async throws {
        let fake = FakeAlerts([
            alert("c1", 100, resolved: 1_000, status: 3),
            alert("open", 150, resolved: 1_100, status: 0), // re-opened: not a closure
            alert("c2", 200, resolved: 1_900, status: 5),
            alert("never", 300),
        ])
        var cursor = AlertCursor(timestampMs: 500)
        let first = try await D.drain(.closures, &cursor, until: 2_000, overlap: 100, through: fake)
        #expect(fake.requests.first?.filters == #"{"resolutionDate":{"gte":400,"lte":2000}}"#)
        #expect(first.ids == ["c1", "c2"] && first.skipped == 1)
        #expect(cursor.timestampMs == 2_000 && cursor.alreadyDelivered("c2"))
        fake.add(alert("c3", 50, resolved: 2_500, status: 4))
        #expect(try await D.drain(.closures, &cursor, until: 3_000, overlap: 100, through: fake).ids == ["c3"])
        #expect(cursor.timestampMs == 3_000)
    }

    @Test func manyClosuresPageOnDateInsideTheResolutionWindow() async throws {
        let alerts = (0..<230).map { alert("c\($0)", Int64($0 / 3), resolved: 5_000 + Int64($0 % 7), status: 2) }
        let fake = FakeAlerts(alerts)
        var cursor = AlertCursor(timestampMs: 4_000)
        let delivered = try await D.drain(.closures, &cursor, until: 6_000, through: fake)
        #expect(delivered.ids.sorted() == alerts.map(\.id).sorted())
        #expect(fake.requests.count == 3)
        #expect(fake.requests[1].filters.contains(#""date":{"gte":33}"#))
    }

    /// Faults are delivered, never dropped: an alert without id (it cannot move the cursor)
    /// and one without timestamp, each named by its anomaly.
    @Test func alertsWithoutIdOrTimestampAreDeliveredAndFlagged() {
        var policy = AlertPolicy(kind: .alerts, known: AlertCursor(timestampMs: 0), lowerMs: 0, untilMs: 1_000, overlapMs: 0)
        var position = AlertPosition(cursor: AlertCursor(timestampMs: 0))
        let noID = policy.classify(AlertRecord(id: "", timestamp: 5), position: &position)
        #expect(noID.deliver && noID.anomalies.map(\.reason) == [.missingID])
        let noTime = policy.classify(AlertRecord(id: "x"), position: &position)
        #expect(noTime.deliver && noTime.anomalies.map(\.reason) == [.missingCreated])
        #expect(position.cursor == AlertCursor(timestampMs: 0), "neither can place the cursor")
        #expect(!policy.classify(AlertRecord(id: "x"), position: &position).deliver, "the same id twice in a window is sent once")
    }
}
