import ActivityJSON
import Foundation
import Simulator
import Testing

/// The simulator's Alerts API (PRODUCT §9): list and fetch, the documented filters, the 100
/// cap, deterministic realistic records, ties, closures over time.
@Suite struct AlertTests {
    static func list(_ server: SimulatorServer, filters: String = "{}", limit: Int = 100, skip: Int = 0,
                     sort: String = #""sortField":"date","sortDirection":"asc""#, auth: String = "Token sim-token") async throws -> TestHTTP.Reply {
        let body = #"{"filters":\#(filters),\#(sort),"limit":\#(limit),"skip":\#(skip)}"#
        return try await TestHTTP.send("POST", server.baseURL + "/api/v1/alerts/",
                                       headers: ["Authorization": auth, "Content-Type": "application/json"], body: Data(body.utf8))
    }

    static func page(_ reply: TestHTTP.Reply) throws -> AlertPage {
        try AlertPage.parse([UInt8](reply.body))
    }

    @Test func listIsSortedByDateCappedAt100AndPagesWithSkip() async throws {
        let server = try await startSimulator { $0.activities = 0; $0.alerts = 250 }
        defer { Task { await server.stop() } }
        let first = try Self.page(try await Self.list(server, limit: 500)) // clamped, not refused
        #expect(first.records.count == 100 && first.hasNext && first.total == 250)
        var all = first.records
        var skip = 100
        while true {
            let page = try Self.page(try await Self.list(server, skip: skip))
            all += page.records
            skip += page.records.count
            if !page.hasNext { break }
        }
        #expect(all.map(\.id) == (await server.allAlertIDs()))
        let times = all.compactMap(\.timestamp)
        #expect(times == times.sorted() && times.count == 250)
        #expect(Set(times).count < 250, "ties on timestamp")
    }

    @Test func theDocumentedFiltersAreEvaluated() async throws {
        let server = try await startSimulator { $0.activities = 0; $0.alerts = 300; $0.alertClosedFraction = 0.3 }
        defer { Task { await server.stop() } }
        let all = try await Self.allAlerts(server)
        let mid = try #require(all[150].timestamp)
        let windowed = try await Self.allAlerts(server, filters: #"{"date":{"gte":\#(mid),"lte":\#(mid + 3_600_000)}}"#)
        #expect(windowed.map(\.id) == all.filter { ($0.timestamp ?? 0) >= mid && ($0.timestamp ?? 0) <= mid + 3_600_000 }.map(\.id))
        let excluded = Array(all.prefix(3).map(\.id))
        let neq = try await Self.allAlerts(server, filters: #"{"ID":{"neq":\#(Self.json(excluded))}}"#)
        #expect(neq.count == 297 && !neq.contains { excluded.contains($0.id) })
        let eq = try await Self.allAlerts(server, filters: #"{"ID":{"eq":["\#(all[7].id)"]}}"#)
        #expect(eq.map(\.id) == [all[7].id])
        let high = try await Self.allAlerts(server, filters: #"{"severity":{"eq":[2]}}"#)
        #expect(!high.isEmpty && high.allSatisfy { $0.severityValue == 2 })
        let closed = try await Self.allAlerts(server, filters: #"{"resolutionDate":{"gte":0,"lte":4102444800000}}"#)
        #expect(Set(closed.map(\.id)) == Set(await server.closedAlertIDs()) && !closed.isEmpty)
        #expect(closed.allSatisfy { ($0.resolutionStatusValue ?? 0) != 0 && $0.resolvedAtMs != nil })
        let truePositive = try await Self.allAlerts(server, filters: #"{"resolutionStatus":{"eq":[5]}}"#)
        #expect(truePositive.allSatisfy { $0.resolutionStatusValue == 5 })
        let open = try await Self.allAlerts(server, filters: #"{"alertOpen":{"eq":true}}"#)
        #expect(open.count + closed.count == 300)
        let ranged = try await Self.allAlerts(server, filters: #"{"date":{"range":[{"start":\#(mid),"end":\#(mid)}]}}"#)
        #expect(!ranged.isEmpty && ranged.allSatisfy { $0.timestamp == mid })
    }

    @Test(arguments: [
        (#"{"date":{"gt":1}}"#, "Operator gt is not allowed for filter date"),
        (#"{"created":{"gte":1}}"#, "Unknown filter field: created"),
        (#"{"severity":{"eq":["high"]}}"#, "expects a whole number"),
    ])
    func undocumentedFiltersAre400(_ filters: String, _ message: String) async throws {
        let server = try await startSimulator { $0.activities = 0; $0.alerts = 5 }
        defer { Task { await server.stop() } }
        let reply = try await Self.list(server, filters: filters)
        #expect(reply.status == 400)
        #expect(String(decoding: reply.body, as: UTF8.self).contains(message))
    }

    @Test func oneMillisecondHoldingMoreThanAPage() async throws {
        let server = try await startSimulator { $0.activities = 0; $0.alerts = 400; $0.alertBurst = 150 }
        defer { Task { await server.stop() } }
        let all = try await Self.allAlerts(server)
        let counts = Dictionary(grouping: all, by: { $0.timestamp ?? 0 }).mapValues(\.count)
        #expect(counts.values.max() ?? 0 >= 150)
    }

    @Test func fetchOneAndRecordsAreRealisticAndDeterministic() async throws {
        let a = try await startSimulator { $0.activities = 0; $0.alerts = 200; $0.seed = 7; $0.baseTime = 1_700_000_000_000; $0.hostileFraction = 0.3 }
        let b = try await startSimulator { $0.activities = 0; $0.alerts = 200; $0.seed = 7; $0.baseTime = 1_700_000_000_000; $0.hostileFraction = 0.3 }
        defer { Task { await a.stop(); await b.stop() } }
        let ids = await a.allAlertIDs()
        #expect(ids == (await b.allAlertIDs()))
        #expect(await a.alert(id: ids[42]) == (await b.alert(id: ids[42])))
        let reply = try await TestHTTP.send("GET", a.baseURL + "/api/v1/alerts/\(ids[42])/", headers: ["Authorization": "Token sim-token"])
        let stored = await a.alert(id: ids[42])
        #expect(reply.status == 200 && [UInt8](reply.body) == stored)
        let missing = try await TestHTTP.send("GET", a.baseURL + "/api/v1/alerts/nope/", headers: ["Authorization": "Token sim-token"])
        #expect(missing.status == 404)
        let unauthorized = try await TestHTTP.send("GET", a.baseURL + "/api/v1/alerts/\(ids[0])/")
        #expect(unauthorized.status == 401)

        let alerts = try await Self.allAlerts(a)
        #expect(alerts.allSatisfy { $0.id.count == 24 && $0.id.allSatisfy(\.isHexDigit) })
        let types = Set(alerts.compactMap { $0.entities.first { $0.type == "policyRule" }?.policyType })
        #expect(types == ["FILE", "AUDIT", "ANOMALY_DETECTION", "SESSION", "NEW_SERVICE"])
        #expect(alerts.contains { $0.entity(ofType: "ip") != nil } && alerts.contains { $0.entity(ofType: "file") != nil })
        #expect(alerts.contains { ($0.title ?? "").contains("\n") || ($0.description ?? "").contains("|") })
        #expect(alerts.allSatisfy { $0.handledByUser == nil }) // the string "null" while open
        #expect(alerts.contains { $0.description?.contains("__siteIcon__") == true })
    }

    @Test func newAlertsAndClosuresOverTime() async throws {
        let server = try await startSimulator { $0.activities = 0; $0.alerts = 10; $0.alertRate = 50; $0.alertCloseRate = 20 }
        defer { Task { await server.stop() } }
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let added = await server.allAlertIDs().count, closed = await server.closedAlertIDs().count
            if added >= 20 && closed >= 5 { break }
            #expect(ContinuousClock.now < deadline, "live alerts and closures arrive")
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stopLive()
        let closed = await server.closedAlertIDs()
        let record = try AlertRecord.parse(try #require(await server.alert(id: closed[0])))
        #expect([1, 2, 3, 4, 5].contains(record.resolutionStatusValue ?? 0))
        #expect(record.resolvedAtMs != nil && record.handledByUser == "admin@contoso.com")
        let late = await server.addAlerts(2, timestampMs: 1_000)
        let ids = await server.allAlertIDs()
        #expect(Array(ids.prefix(2)) == late, "late alerts sort by their timestamp")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let closedNow = await server.closeAlerts(1)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(closedNow.count == 1)
        let resolved = try AlertRecord.parse(try #require(await server.alert(id: closedNow[0]))).resolvedAtMs
        #expect(resolved.map { (before...after).contains($0) } == true, "resolveTime is the closing time, to the ms")
    }

    static func json(_ ids: [String]) -> String {
        "[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    static func allAlerts(_ server: SimulatorServer, filters: String = "{}") async throws -> [AlertRecord] {
        var all: [AlertRecord] = []
        while true {
            let reply = try await list(server, filters: filters, skip: all.count)
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let page = try page(reply)
            all += page.records
            if !page.hasNext || page.records.isEmpty { return all }
        }
    }
}
