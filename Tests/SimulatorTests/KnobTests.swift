import Foundation
import Testing
import Simulator

@Suite struct KnobTests {
    @Test(arguments: [RetryAfterMode.always, .never])
    func throttlingAnswers429(mode: RetryAfterMode) async throws {
        let server = try await startSimulator { $0.throttleRPM = 2; $0.retryAfter = mode }
        defer { Task { await server.stop() } }
        #expect(try await TestHTTP.scan(server).status == 200)
        #expect(try await TestHTTP.scan(server).status == 200)
        let throttled = try await TestHTTP.scan(server)
        #expect(throttled.status == 429)
        if mode == .always {
            let seconds = try #require(Int(throttled.header("Retry-After") ?? ""))
            #expect((1...30).contains(seconds))
        } else {
            #expect(throttled.header("Retry-After") == nil)
        }
        #expect(server.requestLog.map(\.status) == [200, 200, 429])
    }

    @Test func faultInjectionProducesEveryKind() async throws {
        let server = try await startSimulator { $0.faultRate = 1; $0.slowResponse = .milliseconds(50) }
        defer { Task { await server.stop() } }
        var html500 = 0, html502 = 0, truncated = 0, slowButFine = 0
        for _ in 0..<40 {
            let reply = try await TestHTTP.scan(server)
            let isHTML = reply.header("Content-Type")?.hasPrefix("text/html") == true
            switch (reply.status, isHTML, reply.json != nil) {
            case (500, true, _): html500 += 1
            case (502, true, _): html502 += 1
            case (200, false, false): truncated += 1
            case (200, false, true): slowButFine += 1
            default: Issue.record("unexpected reply \(reply.status)")
            }
        }
        #expect(html500 > 0 && html502 > 0 && truncated > 0 && slowButFine > 0)
    }

    @Test func liveRateAddsActivities() async throws {
        let server = try await startSimulator { $0.activities = 10; $0.liveRate = 200 }
        defer { Task { await server.stop() } }
        var count = 10
        for _ in 0..<200 where count <= 10 {
            try await Task.sleep(for: .milliseconds(20))
            count = await server.allActivityIDs().count
        }
        #expect(count > 10)
    }

    @Test func generatedRecordsHaveTheRealShape() async throws {
        let server = try await startSimulator { $0.activities = 2000; $0.hostileFraction = 0.2 }
        defer { Task { await server.stop() } }
        var sizes = 0, ipv6 = 0, hostile = 0, policies = 0, kinds = Set<String>()
        let ids = await server.allActivityIDs()
        for id in ids {
            let bytes = await server.activity(id: id) ?? []
            sizes += bytes.count
            let r = try await storedRecord(server, id)
            let entity = try #require(r["entityData"] as? [String: Any])
            #expect(entity["0"] != nil && entity["1"] is NSNull)
            kinds.insert(r["eventTypeName"] as? String ?? "")
            if ((r["device"] as? [String: Any])?["clientIP"] as? String)?.contains(":") == true { ipv6 += 1 }
            if r["policies"] != nil { policies += 1 }
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains("\\n") || text.contains("|") { hostile += 1 }
        }
        let average = sizes / ids.count
        #expect((2_000...4_000).contains(average))
        #expect(ipv6 > 0 && policies > 0 && hostile > 0)
        #expect(kinds.isSuperset(of: ["EVENT_CATEGORY_LOGIN", "EVENT_CATEGORY_FAILED_LOGIN", "EVENT_CATEGORY_DOWNLOAD_FILE",
                                      "EVENT_CATEGORY_LOGOUT", "EVENT_CATEGORY_UNSPECIFIED"]))
    }

    @Test func recordBytesPadsSmallRecordsToTheExactSize() async throws {
        let server = try await startSimulator { $0.activities = 50; $0.recordBytes = 5_000; $0.hostileFraction = 0 }
        defer { Task { await server.stop() } }
        for id in await server.allActivityIDs() {
            let bytes = try #require(await server.activity(id: id))
            #expect(bytes.count == 5_000)
            let r = try await storedRecord(server, id)
            #expect((r["padding"] as? String)?.count ?? 0 > 1_000)
            #expect(r["_id"] as? String == id)
        }
    }
}
