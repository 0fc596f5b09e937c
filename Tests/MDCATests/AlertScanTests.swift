import ActivityJSON
import Checkpoint
import Foundation
import MDCA
import Synchronization
import Testing

/// An in-memory Alerts API with the documented list semantics: `date` gte/lte, `resolutionDate`
/// gte/lte, `ID` neq, sorted by date asc (stable inside a millisecond: insertion order), skip,
/// limit. Records every request.
private final class FakeAlerts: Sendable {
    struct Request: Sendable { var filters: String; var limit: Int; var skip: Int }
    private let state: Mutex<(alerts: [AlertRecord], requests: [Request])>

    init(_ alerts: [AlertRecord]) { state = Mutex((alerts, [])) }

    var requests: [Request] { state.withLock { $0.requests } }
    func add(_ alert: AlertRecord) { state.withLock { $0.alerts.append(alert) } }

    func scan(_ kind: AlertScan.Kind, _ cursor: AlertCursor, until: Int64, overlap: Int64 = 0, maxExcluded: Int = AlertScan.defaultMaxExcludedIDs,
              filters: [String: FilterValue] = [:]) -> AlertScan {
        AlertScan(kind: kind, cursor: cursor, untilMs: until, overlapMs: overlap, configuredFilters: filters,
                  maxExcludedIDs: maxExcluded, url: "http://fake/api/v1/alerts/") { filters, limit, skip throws(APIError) in
            self.page(filters, limit: limit, skip: skip)
        }
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

/// Drives a scan to its end as the core would: deliver, advance the cursor, finish.
private func drain(_ scan: inout AlertScan, _ cursor: inout AlertCursor) async throws -> [String] {
    var delivered: [String] = []
    while let page = try await scan.next() {
        for record in page.records {
            delivered.append(record.id)
            scan.advance(&cursor, past: record)
        }
    }
    scan.finish(&cursor)
    return delivered
}

@Suite struct AlertScanTests {
    @Test func theFirstRequestIsTheWindowSortedByDateWithTheTokenCap() throws {
        let fake = FakeAlerts([])
        let scan = fake.scan(.alerts, AlertCursor(timestampMs: 10_000), until: 20_000, overlap: 1_000,
                             filters: ["severity": .object(["eq": .array([.int(2)])])])
        let request = try #require(scan.nextRequest)
        #expect(request.filtersText == #"{"date":{"gte":9000,"lte":20000},"severity":{"eq":[2]}}"#)
        #expect(request.limit == 100 && request.skip == 0)
        #expect(String(decoding: AlertRequest.body(filtersJSON: request.filtersJSON, limit: 500, skip: -1), as: UTF8.self)
                == #"{"filters":{"date":{"gte":9000,"lte":20000},"severity":{"eq":[2]}},"sortField":"date","sortDirection":"asc","limit":100,"skip":0}"#)
    }

    @Test func afterAFullPageItContinuesAtTheLastMillisecondExcludingTheIdsTakenThere() async throws {
        // 99 alerts at 1..99, then 5 at ms 100: the first page ends inside ms 100.
        var alerts = (1...99).map { alert("a\($0)", Int64($0)) }
        alerts += (0..<5).map { alert("t\($0)", 100) }
        let fake = FakeAlerts(alerts)
        var cursor = AlertCursor(timestampMs: 0)
        var scan = fake.scan(.alerts, cursor, until: 1_000)
        let delivered = try await drain(&scan, &cursor)
        #expect(delivered == alerts.map(\.id))
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
        var scan = fake.scan(.alerts, cursor, until: 10_000, maxExcluded: maxExcluded)
        let delivered = try await drain(&scan, &cursor)
        #expect(delivered.count == alerts.count)
        #expect(Set(delivered) == Set(alerts.map(\.id)))
        #expect(scan.recordsSkipped == 0)
        let neqCounts = fake.requests.map { r in r.filters.components(separatedBy: "\"tie").count - 1 }
        #expect(neqCounts.allSatisfy { $0 <= maxExcluded })
        if maxExcluded == 0 { #expect(fake.requests.contains { $0.skip > 0 }) }
        #expect(cursor.timestampMs == 120)
    }

    @Test func theNextPollSkipsWhatItDeliveredAndCatchesALateAlertInTheOverlap() async throws {
        let fake = FakeAlerts((1...10).map { alert("a\($0)", Int64($0) * 100) })
        var cursor = AlertCursor(timestampMs: 0)
        var first = fake.scan(.alerts, cursor, until: 5_000, overlap: 500)
        #expect(try await drain(&first, &cursor).count == 10)
        // Appears late: raised at 700, inside the overlap behind the cursor (1000).
        fake.add(alert("late", 700))
        fake.add(alert("new", 1_100))
        var second = fake.scan(.alerts, cursor, until: 6_000, overlap: 500)
        #expect(try await drain(&second, &cursor) == ["late", "new"])
        #expect(second.recordsSkipped == 6) // a5 … a10 (500 … 1000) re-read and skipped
        #expect(cursor.timestampMs == 1_100 && cursor.alreadyDelivered("late"))
        var third = fake.scan(.alerts, cursor, until: 7_000, overlap: 500)
        #expect(try await drain(&third, &cursor).isEmpty)
    }

    @Test func closuresAreSentOnceEachAndOpenOnesNever() async throws {
        let fake = FakeAlerts([
            alert("c1", 100, resolved: 1_000, status: 3),
            alert("open", 150, resolved: 1_100, status: 0), // re-opened: not a closure
            alert("c2", 200, resolved: 1_900, status: 5),
            alert("never", 300),
        ])
        var cursor = AlertCursor(timestampMs: 500)
        var scan = fake.scan(.closures, cursor, until: 2_000, overlap: 100)
        #expect(scan.nextRequest?.filtersText == #"{"resolutionDate":{"gte":400,"lte":2000}}"#)
        #expect(try await drain(&scan, &cursor) == ["c1", "c2"])
        #expect(cursor.timestampMs == 2_000 && cursor.alreadyDelivered("c2"))
        fake.add(alert("c3", 50, resolved: 2_500, status: 4))
        var next = fake.scan(.closures, cursor, until: 3_000, overlap: 100)
        #expect(try await drain(&next, &cursor) == ["c3"])
        #expect(cursor.timestampMs == 3_000)
    }

    @Test func manyClosuresPageOnDateInsideTheResolutionWindow() async throws {
        let alerts = (0..<230).map { alert("c\($0)", Int64($0 / 3), resolved: 5_000 + Int64($0 % 7), status: 2) }
        let fake = FakeAlerts(alerts)
        var cursor = AlertCursor(timestampMs: 4_000)
        var scan = fake.scan(.closures, cursor, until: 6_000)
        let delivered = try await drain(&scan, &cursor)
        #expect(delivered.sorted() == alerts.map(\.id).sorted())
        #expect(fake.requests.count == 3)
        #expect(fake.requests[1].filters.contains(#""date":{"gte":33}"#))
    }

    @Test func aServiceIgnoringTheFiltersIsAStallNotALoop() async throws {
        let page = AlertPage(records: (0..<100).map { alert("x\($0)", 5) }, hasNext: true, total: nil)
        let calls = Mutex(0)
        var scan = AlertScan(kind: .alerts, cursor: AlertCursor(timestampMs: 0), untilMs: 10, overlapMs: 0, url: "u") { _, _, _ throws(APIError) in
            calls.withLock { $0 += 1 }
            return page
        }
        #expect(try await scan.next()?.records.count == 100)
        let error = await #expect(throws: APIError.self) { _ = try await scan.next() }
        guard case .stalled? = error else { Issue.record("expected stalled, got \(String(describing: error))"); return }
        #expect(scan.isComplete && calls.withLock { $0 } == 2)
    }

    @Test func aCursorAheadOfTheWindowReadsNothing() async throws {
        var scan = FakeAlerts([alert("a", 5)]).scan(.alerts, AlertCursor(timestampMs: 100), until: 50)
        #expect(scan.nextRequest == nil)
        #expect(try await scan.next() == nil)
    }

    @Test func theAlertTableValidatesWithHintsAndRefusesTheCursorFields() throws {
        let ok = try FilterValidator.validate(
            .object(["severity": .object(["EQ": .array([.int(2)])]), "alertOpen": .object(["eq": .bool(true)])]),
            keyPath: "alerts.filters", schema: AlertFilterTable.schema)
        #expect(ok["severity"] == .object(["eq": .array([.int(2)])]))
        for (filters, expected) in [
            (FilterValue.object(["severty": .object(["eq": .array([.int(2)])])]), "alerts.filters.severty: unknown filter field 'severty'; did you mean 'severity'?"),
            (.object(["date": .object(["gte": .int(1)])]), "alerts.filters.date: the 'date' filter is managed by the forwarder"),
            (.object(["ID": .object(["eq": .array([.string("x")])])]), "alerts.filters.ID: the 'ID' filter is managed"),
            (.object(["resolutionStatus": .object(["gt": .int(1)])]), "alerts.filters.resolutionStatus.gt: operator 'gt' is not supported by 'resolutionStatus' (integer); expected one of eq, neq"),
            (.object(["service": .object(["eq": .array([.int(1)])])]), "unknown filter field 'service'"),
        ] {
            do {
                _ = try FilterValidator.validate(filters, keyPath: "alerts.filters", schema: AlertFilterTable.schema)
                Issue.record("accepted \(filters)")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        #expect(AlertFilterTable.field(named: "date")?.operators.contains(.gt) == false)
        #expect(AlertFilterTable.fields.count == 16)
    }
}
