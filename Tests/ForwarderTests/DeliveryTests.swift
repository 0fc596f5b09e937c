import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §3 against the real binary: simulator (in-process) → `mdca-forwarder` (process)
/// → a TCP receiver. Lines are JSON (format json, syslog none) so every `_id` is exact.
@Suite(.serialized)
struct DeliveryTests {
    static let token = "delivery-test-token"

    func startSimulator(activities: Int, seed: UInt64, tie: Double = 0.2, late: Double = 0.1) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = seed
        options.token = Self.token
        options.tieFraction = tie
        options.lateFraction = late
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        // The backlog's newest records were created "now": let them age past settle_time (1 s)
        // so that a catch-up covers the whole backlog.
        try await Task.sleep(for: .milliseconds(1500))
        return sim
    }

    func once(_ fixture: ForwarderFixture, timeout: Duration = .seconds(300)) async throws -> (status: Int32?, stderr: String) {
        let r = try await ChildProcess.run("mdca-forwarder", ["once", "--config", fixture.configPath],
                                           environment: fixture.environment(token: Self.token), timeout: timeout)
        return (r.status, r.stderr)
    }

    /// Waits until every expected id arrived (duplicates count toward the line count, so a
    /// line count alone would stop waiting too early), then audits.
    func settledAudit(_ receiver: LineReceiver, expected: [String], timeout: Duration = .seconds(20)) async -> (missing: Int, duplicates: Int, unexpected: Int) {
        let deadline = ContinuousClock.now + timeout
        var result = audit(receiver.received, expected: expected)
        while result.missing > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            result = audit(receiver.received, expected: expected)
        }
        return result
    }

    /// Each id exactly once: returns (missing, duplicates).
    func audit(_ lines: [String], expected: [String]) -> (missing: Int, duplicates: Int, unexpected: Int) {
        let ids = ForwarderFixture.ids(fromJSONLines: lines)
        var counts: [String: Int] = [:]
        for id in ids { counts[id, default: 0] += 1 }
        let expectedSet = Set(expected)
        let missing = expectedSet.filter { counts[$0] == nil }.count
        let duplicates = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
        let unexpected = counts.keys.filter { !expectedSet.contains($0) }.count
        return (missing, duplicates, unexpected)
    }

    @Test func twoOnceRunsDeliverNewTiedAndLateRecordsOnce() async throws {
        let sim = try await startSimulator(activities: 3000, seed: 11)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir()
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL,
                                           outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")])
        let first = try await once(fixture)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(await receiver.waitFor(count: 3000, timeout: .seconds(10)))
        let afterFirst = audit(receiver.received, expected: await sim.allActivityIDs())
        #expect(afterFirst.missing == 0 && afterFirst.duplicates == 0 && afterFirst.unexpected == 0)

        await sim.addActivities(40, tiesWithLast: true)
        await sim.addActivities(200)
        await sim.addActivities(60, late: true)
        try await Task.sleep(for: .seconds(2))  // past settle_time (1 s)

        let second = try await once(fixture)
        #expect(second.status == 0, "\(second.stderr)")
        let all = await sim.allActivityIDs()
        #expect(all.count == 3300)
        #expect(await receiver.waitFor(count: all.count, timeout: .seconds(10)))
        let result = audit(receiver.received, expected: all)
        #expect(result.missing == 0, "missing records")
        #expect(result.duplicates == 0, "duplicated records")
        #expect(result.unexpected == 0)
        receiver.stop()
        await sim.stop()
    }

    @Test func kill9DuringCatchUpLosesNothing() async throws {
        let total = 50_000
        let pageSize = 500
        let sim = try await startSimulator(activities: total, seed: 23)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir()
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")],
                                           pageSize: pageSize, checkpointEvery: 1000)
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        var attempts = 0
        // Kill instants are short and random so that all 20 fall inside the catch-up; the
        // check below (records still missing before the final run) proves they did.
        while kills < 20 && attempts < 60 {
            attempts += 1
            let p = ChildProcess("mdca-forwarder", arguments: ["once", "--config", fixture.configPath],
                                 environment: fixture.environment(token: Self.token))
            try p.start()
            try await Task.sleep(for: .milliseconds(Int.random(in: 40...260, using: &rng)))
            if p.isRunning {
                p.signal(SIGKILL)
                kills += 1
            }
            _ = await p.wait(timeout: .seconds(10))
        }
        let beforeFinal = audit(receiver.received, expected: await sim.allActivityIDs())
        #expect(kills == 20)
        #expect(beforeFinal.missing > 0, "the kills should all land before the catch-up completes")
        let final = try await once(fixture)
        #expect(final.status == 0, "\(final.stderr)")
        let result = await settledAudit(receiver, expected: await sim.allActivityIDs())
        #expect(result.missing == 0, "lost records after \(kills) kills")
        #expect(result.unexpected == 0)
        // At-least-once: each kill may repeat what was delivered after the last checkpoint,
        // at most one page (a checkpoint follows every page).
        #expect(result.duplicates <= kills * pageSize, "\(result.duplicates) duplicates for \(kills) kills")
        receiver.stop()
        await sim.stop()
    }

    @Test func sigtermRestartsLoseAndDuplicateNothing() async throws {
        let total = 20_000
        let sim = try await startSimulator(activities: total, seed: 31)
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir()
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                 environment: fixture.environment(token: Self.token))
            try p.start()
            try await Task.sleep(for: .milliseconds(Int.random(in: 200...800, using: &rng)))
            let stopAsked = ContinuousClock.now
            p.signal(SIGTERM)
            let status = await p.wait(timeout: .seconds(10))
            #expect(status == 0, "SIGTERM must exit 0: \(p.stderr)")
            #expect(ContinuousClock.now - stopAsked < .seconds(5), "SIGTERM must stop within 5 s")
        }
        let final = try await once(fixture)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(await receiver.waitFor(count: total, timeout: .seconds(20)))
        let result = audit(receiver.received, expected: await sim.allActivityIDs())
        #expect(result.missing == 0)
        #expect(result.duplicates == 0)
        receiver.stop()
        await sim.stop()
    }

    @Test func receiverDownHoldsTheCursorThenEverythingArrives() async throws {
        let total = 2_000
        let sim = try await startSimulator(activities: total, seed: 41)
        let receiver = try LineReceiver()  // port reserved, not listening yet
        let dir = try TempDir()
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")])
        let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                             environment: fixture.environment(token: Self.token))
        try p.start()
        // The first start writes the initial cursor; it must not move while the receiver is down.
        var initial: Int64?
        for _ in 0..<100 where initial == nil {
            initial = fixture.storedCursorMs()
            try await Task.sleep(for: .milliseconds(50))
        }
        let start = try #require(initial)
        try await Task.sleep(for: .seconds(3))
        #expect(fixture.storedCursorMs() == start, "cursor moved while the only output was down")
        let status = try await ChildProcess.run("mdca-forwarder", ["status", "--config", fixture.configPath])
        #expect(status.stdout.contains("unavailable"), "status shows the problem: \(status.stdout)")

        try receiver.start()
        #expect(await receiver.waitFor(count: total, timeout: .seconds(60)))
        p.signal(SIGTERM)
        #expect(await p.wait(timeout: .seconds(10)) == 0)
        let result = audit(receiver.received, expected: await sim.allActivityIDs())
        #expect(result.missing == 0)
        #expect(fixture.storedCursorMs().map { $0 > start } == true)
        receiver.stop()
        await sim.stop()
    }
}
