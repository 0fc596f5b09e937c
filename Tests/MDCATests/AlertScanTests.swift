import ActivityJSON
import Foundation
import MDCA
import Testing

private func alert(_ id: String, _ ms: Int64) -> AlertRecord {
    AlertRecord(id: id, timestamp: ms)
}

/// The alerts' request plan alone (a pure value: no network, no cursor). Dedupe and the
/// cursors are the alert policy's (ForwarderTests/Alerts).
@Suite struct AlertScanTests {
    @Test func theFirstRequestIsTheWindowSortedByDateWithTheTokenCap() throws {
        let scan = AlertScan(kind: .alerts, fromMs: 10_000, untilMs: 20_000, overlapMs: 1_000,
                             configuredFilters: ["severity": .object(["eq": .array([.int(2)])])], url: "http://fake/api/v1/alerts/")
        let request = try #require(scan.nextRequest)
        #expect(request.url == "http://fake/api/v1/alerts/")
        #expect(request.filtersText == #"{"date":{"gte":9000,"lte":20000},"severity":{"eq":[2]}}"#)
        #expect(String(decoding: request.body, as: UTF8.self)
                == #"{"filters":{"date":{"gte":9000,"lte":20000},"severity":{"eq":[2]}},"sortField":"date","sortDirection":"asc","limit":100,"skip":0}"#)
        #expect(String(decoding: AlertRequest.body(filtersJSON: request.filtersJSON, limit: 500, skip: -1), as: UTF8.self) == String(decoding: request.body, as: UTF8.self))
    }

    @Test func aFullPageEndingInsideAMillisecondContinuesThereExcludingItsIds() throws {
        var scan = AlertScan(kind: .alerts, fromMs: 0, untilMs: 1_000, overlapMs: 0, url: "u")
        let records = (1...98).map { alert("a\($0)", Int64($0)) } + [alert("t0", 100), alert("t1", 100)]
        try scan.accept(AlertPage(records: records, hasNext: true, total: nil))
        #expect(scan.nextRequest?.filtersText == #"{"ID":{"neq":["t0","t1"]},"date":{"gte":100,"lte":1000}}"#)
        try scan.accept(AlertPage(records: [alert("t2", 100)], hasNext: false, total: nil))
        #expect(scan.nextRequest == nil && scan.isComplete && scan.pageCount == 2)
    }

    @Test func aServiceIgnoringTheFiltersIsAStallNotALoop() throws {
        let page = AlertPage(records: (0..<100).map { alert("x\($0)", 5) }, hasNext: true, total: nil)
        var scan = AlertScan(kind: .alerts, fromMs: 0, untilMs: 10, overlapMs: 0, url: "u")
        try scan.accept(page)
        let error = #expect(throws: APIError.self) { try scan.accept(page) }
        guard case .stalled? = error else { Issue.record("expected stalled, got \(String(describing: error))"); return }
        #expect(scan.isComplete && scan.nextRequest == nil)
    }

    @Test func aCursorAheadOfTheWindowReadsNothing() {
        let scan = AlertScan(kind: .alerts, fromMs: 100, untilMs: 50, overlapMs: 0, url: "u")
        #expect(scan.nextRequest == nil)
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
