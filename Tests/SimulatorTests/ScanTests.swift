import Foundation
import Testing
@testable import Simulator

@Suite struct ScanTests {
    /// The forwarder's loop: follow nextQueryFilters verbatim until hasNext is false.
    func drain(_ server: SimulatorServer, limit: Int, filters: String = "{}")
        async throws -> (ids: [String], created: [Int64], droppedPages: Int)
    {
        var filtersJSON = filters
        var ids: [String] = [], created: [Int64] = []
        var droppedPages = 0
        for _ in 0..<1000 {
            let reply = try await TestHTTP.scan(server, filtersJSON: filtersJSON, limit: limit)
            try #require(reply.status == 200)
            let json = try #require(reply.json)
            let data = try #require(json["data"] as? [[String: Any]])
            for record in data {
                ids.append(try #require(record["_id"] as? String))
                created.append(try #require(createdMs(record)))
            }
            guard json["hasNext"] as? Bool == true else {
                #expect(json["nextQueryFilters"] == nil)
                return (ids, created, droppedPages)
            }
            if data.count < limit { droppedPages += 1 }
            let next = try #require(json["nextQueryFilters"])
            filtersJSON = String(decoding: try JSONSerialization.data(withJSONObject: next), as: UTF8.self)
        }
        Issue.record("scan did not finish")
        return (ids, created, droppedPages)
    }

    @Test(arguments: [500, 5000])
    func scanVisitsEveryRecordOnceInCreatedOrder(limit: Int) async throws {
        let server = try await startSimulator { $0.activities = limit == 500 ? 3000 : 12_000 }
        defer { Task { await server.stop() } }
        let (ids, created, droppedPages) = try await drain(server, limit: limit)
        let stored = await server.allActivityIDs()
        #expect(ids == stored)
        #expect(Set(ids).count == ids.count)
        #expect(created == created.sorted())
        // Tie runs straddle page edges, so some pages ended by dropping their tail records.
        #expect(droppedPages >= 1)
    }

    @Test func tailRecordsSharingLastCreatedAreDroppedAndListedNext() async throws {
        let server = try await startSimulator { $0.activities = 1200 }
        defer { Task { await server.stop() } }
        let first = try #require(try await TestHTTP.scan(server).json)
        let data = try #require(first["data"] as? [[String: Any]])
        let next = try #require(first["nextQueryFilters"] as? [String: Any])
        let gte = try #require((next["created"] as? [String: Any])?["gte"] as? NSNumber).int64Value
        // The forced tie run covers positions 497..502: the page stops before it.
        #expect(data.count == 497)
        #expect(data.allSatisfy { (createdMs($0) ?? 0) < gte })
        let second = try #require(try await TestHTTP.scan(server, filtersJSON: #"{"created":{"gte":\#(gte)}}"#).json)
        let secondData = try #require(second["data"] as? [[String: Any]])
        #expect(secondData.prefix(6).allSatisfy { createdMs($0) == gte })
        #expect(first["total"] as? Int == 1200)
    }

    @Test func otherCreatedBoundsAreKeptInNextQueryFilters() async throws {
        let server = try await startSimulator { $0.activities = 1200 }
        defer { Task { await server.stop() } }
        let ids = await server.allActivityIDs()
        let bound = try await storedRecord(server, ids[1000])
        let lastCreated = try #require(createdMs(bound))
        let (scanned, created, _) = try await drain(
            server, limit: 500, filters: #"{"created":{"gte":0,"lte":\#(lastCreated)},"service":{"neq":[1]}}"#)
        #expect(created.allSatisfy { $0 <= lastCreated })
        #expect(scanned == Array(ids.prefix(scanned.count)))
        #expect(scanned.count >= 1001)
    }

    @Test func filtersAreEvaluated() async throws {
        let server = try await startSimulator { $0.activities = 600; $0.hostileFraction = 0 }
        defer { Task { await server.stop() } }
        let service = try #require(try await TestHTTP.scan(server, filtersJSON: #"{"service":{"eq":[15600]}}"#, limit: 5000).json)
        let apps = try #require(service["data"] as? [[String: Any]]).map { "\($0["appId"] ?? "")" }
        #expect(!apps.isEmpty && apps.allSatisfy { $0 == "15600" })

        let id = try #require(await server.allActivityIDs().last)
        let one = try #require(try await TestHTTP.scan(server, filtersJSON: #"{"activity.id":{"eq":["\#(id)"]}}"#).json)
        #expect((one["data"] as? [[String: Any]])?.map { $0["_id"] as? String } == [id])
        #expect(one["total"] as? Int == 1)

        let record = try await storedRecord(server, id)
        if let user = (record["user"] as? [String: Any])?["userName"] as? String {
            let byUser = try #require(try await TestHTTP.scan(server, filtersJSON: #"{"user.username":{"eq":["\#(user)"]}}"#).json)
            let users = try #require(byUser["data"] as? [[String: Any]]).map { ($0["user"] as? [String: Any])?["userName"] as? String }
            #expect(!users.isEmpty && users.allSatisfy { $0?.lowercased() == user.lowercased() })
        }
    }

    @Test func sameSeedSameData() async throws {
        let make: @Sendable (UInt64) async throws -> SimulatorServer = { seed in
            try await startSimulator { $0.activities = 300; $0.seed = seed; $0.baseTime = 1_700_000_000_000 }
        }
        let a = try await make(7), b = try await make(7), c = try await make(8)
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let idsA = await a.allActivityIDs(), idsB = await b.allActivityIDs()
        #expect(idsA == idsB)
        #expect(idsA != (await c.allActivityIDs()))
        for id in idsA.prefix(50) {
            #expect(await a.activity(id: id) == (await b.activity(id: id)))
        }
    }

    @Test func allRecordsSharingOneCreatedMoveOnWithGt() async throws {
        let server = try await startSimulator { $0.activities = 10 }
        defer { Task { await server.stop() } }
        await server.addActivities(600, tiesWithLast: true)
        let ids = await server.allActivityIDs()
        let last = try await storedRecord(server, ids[ids.count - 1])
        let ms = try #require(createdMs(last))
        let page = try #require(try await TestHTTP.scan(server, filtersJSON: #"{"created":{"gte":\#(ms)}}"#).json)
        #expect((page["data"] as? [Any])?.count == 500)
        let next = try #require(page["nextQueryFilters"] as? [String: Any])
        #expect(((next["created"] as? [String: Any])?["gt"] as? NSNumber)?.int64Value == ms)
    }

    @Test func addedActivitiesAreNewerAndFetchable() async throws {
        let server = try await startSimulator { $0.activities = 50 }
        defer { Task { await server.stop() } }
        let before = await server.allActivityIDs()
        await server.addActivities(5, late: true)
        let after = await server.allActivityIDs()
        #expect(after.count == 55 && Array(after.prefix(50)) == before)
        let reply = try await TestHTTP.send("GET", server.baseURL + "/api/v1/activities/\(after[52])/", headers: ["Authorization": "Token sim-token"])
        #expect(reply.status == 200 && reply.json?["_id"] as? String == after[52])
        let record = try #require(reply.json)
        let lag = try #require(createdMs(record)) - ((record["timestamp"] as? NSNumber)?.int64Value ?? 0)
        #expect(lag >= 3_600_000)
        let missing = try await TestHTTP.send("GET", server.baseURL + "/api/v1/activities/nope/", headers: ["Authorization": "Token sim-token"])
        #expect(missing.status == 404 && missing.json != nil)
    }
}
