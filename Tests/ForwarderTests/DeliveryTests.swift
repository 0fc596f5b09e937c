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

    func startSimulator(activities: Int, seed: UInt64, tie: Double = 0.2, late: Double = 0.1, recordBytes: Int? = nil) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        if let recordBytes { options.recordBytes = recordBytes }
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
            // Signals are trapped once the service group runs, right after this line (a
            // SIGTERM before it gets the default action, as for any daemon still starting).
            for _ in 0..<400 where !p.stderr.contains("mdca-forwarder started") {
                try await Task.sleep(for: .milliseconds(25))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700, using: &rng)))
            let stopAsked = ContinuousClock.now
            p.signal(SIGTERM)
            let status = await p.wait(timeout: .seconds(10))
            #expect(status == 0, "SIGTERM must exit 0: \(p.stderr)")
            // The service group escalates after 10 s; the daemon stops well before (measured here
            // from the test's side, which a loaded run can resume late).
            #expect(ContinuousClock.now - stopAsked < .seconds(10), "SIGTERM must stop within the 10 s the group allows")
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

    /// A receiver that accepts the connection but never reads must not hold the stop: the
    /// write in progress is abandoned after the grace period (ShutdownDeadline, 7 s), the
    /// daemon exits 0 well inside systemd's TimeoutStopSec (20 s), and the cursor covers only
    /// what was delivered before.
    @Test func receiverThatNeverReadsDoesNotHoldTheStop() async throws {
        // One page of 500 records of 16 KiB: 8 MiB, more than the socket buffers hold.
        let sim = try await startSimulator(activities: 2_000, seed: 43, recordBytes: 16_384)
        // Accepting, never reading, with a small receive buffer: the kernel takes a few KiB,
        // then every write blocks.
        let port = try FreePort.tcp()
        let fd = try LoopbackListener.open(port: port, receiveBuffer: 4096, nonBlocking: true)
        defer { close(fd) }

        let dir = try TempDir()
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "stuck", url: "tcp://127.0.0.1:\(port)")])
        let start = try await { () async throws -> Int64? in
            let p = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: fixture.environment(token: Self.token))
            try p.start()
            // Wait until the daemon is writing into the full window: its connection arrived
            // and the first bytes of its 8 MiB batch wait unread in it.
            var connection: Int32 = -1
            var unread: Int32 = 0
            for _ in 0..<1500 where unread < 1024 {
                if connection < 0 { connection = accept(fd, nil, nil) }
                if connection >= 0 { _ = ioctl(connection, UInt(FIONREAD), &unread) }
                try await Task.sleep(for: .milliseconds(20))
            }
            defer { if connection >= 0 { close(connection) } }
            #expect(unread >= 1024, "the daemon never wrote to the receiver: \(p.stderr)")
            let initial = fixture.storedCursorMs()
            let stopAt = ContinuousClock.now
            p.signal(SIGTERM)
            // Await the exit as long as systemd would (TimeoutStopSec=20s in systemd/*.service).
            let status = await p.wait(timeout: .seconds(20))
            #expect(status == 0, "\(p.stderr)")
            // By design ~7 s (ShutdownDeadline.budget abandons the write) + final checkpoint +
            // exit, measured from the test's side, which a loaded 2-core host can resume late.
            // 15 s still proves the write did not hold the stop, and stays below the units'
            // TimeoutStopSec=20s (systemd/mdca-forwarder.service, mdca-forwarder@.service).
            #expect(ContinuousClock.now - stopAt < .seconds(15), "the stop took \(ContinuousClock.now - stopAt)")
            #expect(p.stderr.contains("abandoning a write the receiver does not accept"), "\(p.stderr)")
            return initial
        }()
        #expect(fixture.storedCursorMs() == start, "the cursor moved past records that were never delivered")
        await sim.stop()
    }
}
