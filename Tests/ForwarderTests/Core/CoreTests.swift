import Checkpoint
import Foundation
import Synchronization
import MDCA
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
@testable import Forwarder

/// The forwarding core in-process (issue "One forwarding core…"): a test clock, a scripted
/// page source and fake outputs. Every test asserts the cursor, the state file, the STATUS
/// text, the watchdog decision and the counters; none starts a process or sleeps.
@Suite struct CoreTests {
    typealias R = ScriptedSource

    /// Ties across a page edge and late arrivals over two passes: each record exactly once,
    /// the cursor on the last one with its tie set, the re-listed tie counted as skipped.
    @Test func tiesAndLateRecordsAcrossTwoPasses() async throws {
        let h = try CoreHarness()
        let t = h.startMs
        h.source.enqueue(.page([R.record("a1", created: t + 10), R.record("a2", created: t + 20), R.record("a3", created: t + 20)], hasNext: true))
        h.source.enqueue(.page([R.record("a3", created: t + 20), R.record("a4", created: t + 30)], hasNext: false))
        let first = try await h.stream.catchUp()
        #expect(first == .init(delivered: 4, pages: 2, completed: true))
        #expect(h.delivered() == ["a1", "a2", "a3", "a4"])
        #expect(h.core.committed == Cursor(createdMs: t + 30, tieIDs: ["a4"]))
        #expect(try h.stored().cursor == h.core.committed)
        #expect(try h.stored().counters.recordsSkipped == 1)
        #expect(h.source.scans.first?.fromMs == t)
        #expect(h.source.scans.first?.untilMs == h.untilMs)

        // Later: the tie is listed again, another record shares its millisecond, one is late.
        h.clock.advance(by: .seconds(60))
        h.source.enqueue(.page([R.record("a4", created: t + 30), R.record("a5", created: t + 30), R.record("a6", created: t + 900)], hasNext: false))
        let second = try await h.stream.catchUp()
        #expect(second.delivered == 2)
        #expect(h.delivered() == ["a1", "a2", "a3", "a4", "a5", "a6"])
        #expect(h.source.scans.last?.fromMs == t + 30, "the next scan starts at the cursor's millisecond")
        let stored = try h.stored()
        #expect(stored.cursor == Cursor(createdMs: t + 900, tieIDs: ["a6"]))
        #expect(stored.counters.recordsForwarded == 6)
        #expect(stored.lastSuccessfulPoll == h.clock.wall)
        let c = h.core.snapshot.counters
        #expect(c.received == 8 && c.delivered == 6 && c.skipped == 2 && c.pages == 3)
        #expect(c.sent["siem"] == 6 && c.apiRequests["200"] == 3)
    }

    struct Fault: Sendable, CustomTestStringConvertible {
        var name: String
        var records: @Sendable (_ startMs: Int64, _ untilMs: Int64) -> [String]
        var expectedIDs: Int
        var reason: AnomalyReason
        var count: UInt64
        var testDescription: String { name }
    }

    static let faults: [Fault] = [
        Fault(name: "created in year 9999", records: { s, _ in
            [R.record("f1", created: s + 5), R.record("future", created: 253_402_300_799_000), R.record("f2", created: s + 7)]
        }, expectedIDs: 3, reason: .createdAfterRange, count: 1),
        Fault(name: "created before the cursor", records: { s, _ in
            [R.record("f1", created: s + 5), R.record("old", created: s - 86_400_000)]
        }, expectedIDs: 2, reason: .createdBeforeCursor, count: 1),
        Fault(name: "two records without _id in one millisecond", records: { s, _ in
            [R.record(nil, created: s + 5), R.record(nil, created: s + 5).replacingOccurrences(of: "Log on", with: "Log off")]
        }, expectedIDs: 0, reason: .missingID, count: 2),
        Fault(name: "no created", records: { s, _ in
            [R.record("f1", created: s + 5), R.record("nocreated", created: nil)]
        }, expectedIDs: 2, reason: .missingCreated, count: 1),
    ]

    /// PRODUCT §3 "Records the query did not ask for": delivered, logged, counted, and the
    /// cursor never leaves the requested range.
    @Test(arguments: faults) func serviceFaultsAreDeliveredCountedAndBoundTheCursor(_ fault: Fault) async throws {
        let h = try CoreHarness()
        let records = fault.records(h.startMs, h.untilMs)
        h.source.enqueue(.page(records, hasNext: false))
        let result = try await h.stream.catchUp()
        #expect(result.delivered == records.count, "every record is delivered")
        #expect(h.outputs[0].accepted.count == records.count)
        #expect(h.delivered().count == fault.expectedIDs)
        #expect(h.core.snapshot.counters.anomalous[fault.reason] == fault.count)
        let cursor = try h.stored().cursor
        #expect(cursor.createdMs >= h.startMs && cursor.createdMs <= h.untilMs, "cursor \(cursor.createdMs) outside the requested range")

        // The next pass starts inside the range: later records are not skipped.
        h.clock.advance(by: .seconds(60))
        h.source.enqueue(.page([R.record("later", created: h.untilMs - 1000)], hasNext: false))
        _ = try await h.stream.catchUp()
        #expect(h.delivered().contains("later"))
    }

    /// A full page whose records all share one millisecond: the service may skip the rest of
    /// that millisecond, which the forwarder cannot see, so it says so (log and counter).
    @Test func aPageOfOneMillisecondIsCounted() async throws {
        let h = try CoreHarness()
        let t = h.startMs + 5
        h.source.enqueue(.page((1...4).map { R.record("m\($0)", created: t) }, hasNext: true))
        h.source.enqueue(.page([R.record("m5", created: t + 1)], hasNext: false))
        let result = try await h.stream.catchUp()
        #expect(result.delivered == 5)
        #expect(h.core.snapshot.counters.anomalous[.millisecondWiderThanPage] == 1)
    }

    /// An output down then up: the cursor and the state file hold, STATUS names the output
    /// with its retry countdown, the watchdog keeps pinging through the announced waits,
    /// `output_up` is 0; once it is back, everything arrives once and the problem clears.
    @Test func outputDownThenUp() async throws {
        let h = try CoreHarness()
        try await h.writer.persist()
        let t = h.startMs
        h.outputs[0].setDown(true)
        h.source.enqueue(.page([R.record("o1", created: t + 1), R.record("o2", created: t + 2)], hasNext: false))
        let pass = Task { try await h.stream.catchUp() }
        var memory = HealthService.Memory()
        var waits: [Duration] = []
        for _ in 0..<4 {
            waits.append(await h.clock.nextSleep())
            let tick = h.tick(&memory)
            #expect(tick.ping, "a backoff wait the core announced is healthy")
            let status = h.core.statusLine(now: h.clock.wall)
            #expect(status.contains("problem: output siem unavailable") && status.contains("retrying in"), "\(status)")
            #expect(h.core.committed.createdMs == t)
            #expect(try h.stored().cursor.createdMs == t)
            #expect(h.delivery.board.snapshot == [OutputBoard.Entry(name: "siem", up: false, errors: UInt64(waits.count))])
            h.clock.advance(by: waits.last!)
        }
        #expect(waits[3] > waits[0], "the backoff grows: \(waits)")
        h.outputs[0].setDown(false)
        let result = try await pass.value
        #expect(result.delivered == 2)
        #expect(h.delivered() == ["o1", "o2"])
        #expect(h.core.snapshot.problem == nil)
        #expect(h.core.snapshot.lastError?.text.contains("output siem unavailable") == true)
        #expect(h.delivery.board.snapshot.first?.up == true)
        #expect(try h.stored().cursor == Cursor(createdMs: t + 2, tieIDs: ["o2"]))
        #expect(try h.stored().counters.currentProblem == nil)
    }

    /// A long `Retry-After` (1 h) is a healthy wait: STATUS names it, the watchdog pings
    /// through it, and the answer that follows clears the problem.
    @Test func longRetryAfterKeepsTheWatchdogFed() async throws {
        let h = try CoreHarness()
        let throttled = APIError.throttled(url: "http://127.0.0.1/api/v1/activities/", retryAfter: .seconds(3600))
        h.source.enqueue(.retries(throttled, waits: [.seconds(3600)], then: .page([R.record("r1", created: h.startMs + 1)], hasNext: false)))
        let pass = Task { try await h.stream.catchUp() }
        let wait = await h.clock.nextSleep()
        #expect(wait == .seconds(3600))
        var memory = HealthService.Memory()
        let status = try #require(h.tick(&memory).status)
        #expect(status.contains("problem: API unavailable: throttled (HTTP 429), retrying in 1h00m"), "\(status)")
        h.clock.advance(by: .seconds(3599))
        #expect(h.tick(&memory).ping, "inside the announced wait")
        #expect(h.core.snapshot.counters.throttled == 1)
        h.clock.advance(by: .seconds(1))
        let result = try await pass.value
        #expect(result.delivered == 1)
        #expect(h.core.snapshot.problem == nil)
        #expect(h.tick(&memory).status?.contains("problem") == false)
    }

    /// An HTML 503 outage of more than ten minutes: pings never stop, STATUS names the problem from the
    /// first failed request on, the counters count every answer, recovery clears it.
    @Test func outageOfMoreThanTenMinutes() async throws {
        let h = try CoreHarness()
        let waits: [Duration] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 60].map { .seconds($0) }
        let outage = APIError.server(url: "http://127.0.0.1/api/v1/activities/", status: 503, snippet: "Service Unavailable")
        h.source.enqueue(.retries(outage, waits: waits, then: .page([R.record("n1", created: h.startMs + 1)], hasNext: false)))
        let pass = Task { try await h.stream.catchUp() }
        var memory = HealthService.Memory()
        var elapsed: Duration = .zero
        for expected in waits {
            let wait = await h.clock.nextSleep()
            #expect(wait == expected)
            // Tick every 10 s of the wait, as the health service does every second.
            var step: Duration = .zero
            while step < wait {
                let tick = h.tick(&memory)
                #expect(tick.ping, "pings stop at \(elapsed + step)")
                #expect(h.core.statusLine(now: h.clock.wall).contains("problem: API unavailable: HTTP 503, retrying in"))
                let slice = min(.seconds(10), wait - step)
                h.clock.advance(by: slice)
                step += slice
            }
            elapsed += wait
        }
        #expect(elapsed > .seconds(10 * 60))
        let result = try await pass.value
        #expect(result.completed && result.delivered == 1)
        let snapshot = h.core.snapshot
        #expect(snapshot.problem == nil)
        #expect(snapshot.counters.apiRequests["503"] == UInt64(waits.count))
        #expect(snapshot.counters.apiRequests["200"] == 1)
        #expect(try h.stored().counters.currentProblem == nil)
        #expect(try h.stored().counters.lastError?.contains("HTTP 503") == true)
    }

    /// Only a step that overruns the time it announced withholds pings, and the wedge is
    /// reported once.
    @Test func overrunStepWithholdsPings() throws {
        let h = try CoreHarness()
        var memory = HealthService.Memory()
        h.core.begin("delivering to siem", within: .seconds(120))
        h.clock.advance(by: .seconds(119))
        #expect(h.tick(&memory).ping)
        h.clock.advance(by: .seconds(2))
        let wedged = h.tick(&memory)
        #expect(!wedged.ping && wedged.reportWedged)
        #expect(!h.tick(&memory).reportWedged, "reported once")
        h.core.begin("waiting for next poll", within: .seconds(90))
        #expect(h.tick(&memory).ping)
    }

    enum Boundary: String, CaseIterable, Sendable {
        case beforeTheFirstPage, duringARequestRetry, afterABatch, duringAnOutputRetry
    }

    /// Graceful shutdown at each boundary: the pass stops, delivers what it encoded, writes
    /// the checkpoint, and the next pass delivers the rest: nothing lost, nothing twice.
    @Test(arguments: Boundary.allCases) func shutdownAtEachBoundary(_ boundary: Boundary) async throws {
        let trigger = Trigger()
        let fireAfterBatch = boundary == .afterABatch
        let h = try CoreHarness(checkpointEvery: 2, outputs: { if fireAfterBatch { trigger.fire() } })
        try await h.writer.persist()
        let t = h.startMs
        let ids = (1...5).map { "s\($0)" }
        let page = ScriptedSource.Step.page(ids.enumerated().map { R.record($1, created: t + Int64($0) + 1) }, hasNext: false)
        switch boundary {
        case .duringARequestRetry:
            h.source.enqueue(.retries(.server(url: "u", status: 502, snippet: ""), waits: [.seconds(300)], then: page))
        default:
            h.source.enqueue(page)
        }
        if boundary == .duringAnOutputRetry { h.outputs[0].setDown(true) }

        let result = try await testGracefulShutdown { shutdown in
            trigger.set { shutdown.triggerGracefulShutdown() }
            if boundary == .beforeTheFirstPage { shutdown.triggerGracefulShutdown() }
            let pass = Task { try await h.stream.catchUp() }
            if boundary == .duringARequestRetry || boundary == .duringAnOutputRetry {
                _ = await h.clock.nextSleep()
                shutdown.triggerGracefulShutdown()
            }
            return try await pass.value
        }
        #expect(!result.completed)
        let committed = h.core.committed
        #expect(try h.stored().cursor == committed, "the checkpoint is written on the way out")
        switch boundary {
        case .beforeTheFirstPage, .duringARequestRetry, .duringAnOutputRetry:
            #expect(result.delivered == 0 && committed.createdMs == t)
        case .afterABatch:
            #expect(result.delivered == 2, "the batch in flight is delivered, then the pass stops")
            #expect(committed == Cursor(createdMs: t + 2, tieIDs: ["s2"]))
        }

        // Restart: the rest arrives, nothing twice.
        h.outputs[0].setDown(false)
        if boundary != .afterABatch { h.source.enqueue(page) } else {
            h.source.enqueue(.page(ids.enumerated().map { R.record($1, created: t + Int64($0) + 1) }.filter { !$0.contains("\"s1\"") && !$0.contains("\"s2\"") }, hasNext: false))
        }
        _ = try await h.stream.catchUp()
        #expect(h.delivered() == ids)
        #expect(try h.stored().cursor == Cursor(createdMs: t + 5, tieIDs: ["s5"]))
    }

    /// `once` gives up on an output after its limit: the failure is in the state file.
    @Test func givingUpOnAnOutputIsRecorded() async throws {
        let h = try CoreHarness(giveUpAfter: .seconds(10))
        let start = h.startMs
        h.outputs[0].setDown(true)
        h.source.enqueue(.page([R.record("g1", created: h.startMs + 1)], hasNext: false))
        let pass = Task { () async throws(ForwarderError) -> PassResult in try await h.stream.catchUp() }
        while true {
            let wait = await h.clock.nextSleep()
            h.clock.advance(by: wait)
            if h.clock.now > .seconds(10) { break }
        }
        await #expect(throws: ForwarderError.self) { try await pass.value }
        let stored = try h.stored()
        #expect(stored.cursor.createdMs == start)
        #expect(stored.counters.currentProblem?.contains("output siem unavailable") == true)
        #expect(stored.counters.lastErrorAt != nil)
    }
}

/// A shutdown trigger the fake output can pull from inside `deliver`.
final class Trigger: Sendable {
    private let action = Mutex<(@Sendable () -> Void)?>(nil)
    func set(_ body: @escaping @Sendable () -> Void) { action.withLock { $0 = body } }
    func fire() { action.withLock { $0 }?() }
}
