@testable import Forwarder
import Foundation
import Simulator
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §7 `Type=notify` contract, against the real binary and a fake NOTIFY_SOCKET:
/// READY=1 after config, credentials and state are loaded; STATUS= with cursor and count and
/// never a secret; WATCHDOG=1 at half of WATCHDOG_USEC while healthy; SIGHUP → RELOADING=1
/// (with MONOTONIC_USEC) … READY=1, an invalid new file refused and the old one kept;
/// SIGTERM → STOPPING=1 and exit 0.
@Suite(.serialized)
struct NotifyContractTests {
    static let token = "notify-contract-SECRET-7c1d0e"
    static var iso: Regex<Substring> { /cursor \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/ }

    static func monotonicUsec() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    /// WATCHDOG=1 pings that arrived in [from, from + window): their count and largest gap.
    static func pings(_ messages: [NotifySocket.Message], from: ContinuousClock.Instant, window: Duration) -> (count: Int, maxGap: Duration) {
        let times = messages.filter { $0.has("WATCHDOG=1") && $0.time >= from && $0.time < from + window }.map(\.time)
        var maxGap = times.first.map { $0 - from } ?? window
        for (a, b) in zip(times, times.dropFirst()) { maxGap = max(maxGap, b - a) }
        if let last = times.last { maxGap = max(maxGap, from + window - last) }
        return (times.count, maxGap)
    }

    @Test func readyStatusWatchdogReloadAndStop() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 300
        options.seed = 5
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-notify")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL,
                                           outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")])
        let statePath = fixture.statePath
        // What is true at the instant READY=1 arrives: the state file must already exist.
        let stateAtReady = Mutex<Bool?>(nil)
        let notify = try NotifySocket(path: dir.file("notify")) { text in
            if text.split(separator: "\n").contains("READY=1") {
                let exists = FileManager.default.fileExists(atPath: statePath)
                stateAtReady.withLock { if $0 == nil { $0 = exists } }
            }
        }
        defer { notify.close() }

        var env = fixture.environment(token: Self.token)
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "2000000"
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: env)
        try daemon.start()

        // READY=1, after the state file was written.
        let ready = try #require(await notify.waitFor(timeout: .seconds(20)) { $0.has("READY=1") }, "no READY=1; stderr: \(daemon.stderr)")
        #expect(stateAtReady.withLock { $0 } == true, "READY=1 arrived before the state file existed")

        // STATUS= names the cursor time and the forwarded count, and reaches the backlog.
        let backlog = await sim.allActivityIDs().count
        let caughtUp = await notify.waitFor(timeout: .seconds(30)) { m in
            m.value("STATUS").map { $0.contains("forwarded \(backlog)") } ?? false
        }
        let statusText = try #require(caughtUp?.message.value("STATUS"), "no STATUS with forwarded \(backlog); stderr: \(daemon.stderr)")
        #expect(statusText.contains(Self.iso), "\(statusText)")
        #expect(statusText.contains("lag "))
        // STATUS counts a record as forwarded once written to the socket; the receiver's reader
        // thread may not have read the last lines yet, so await them rather than sample the count.
        #expect(await receiver.waitFor(count: backlog, timeout: .seconds(10)), "the receiver got \(receiver.count) of \(backlog)")

        // WATCHDOG=1 every ~1 s (half of 2 s) while healthy.
        let windowStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(5))
        let healthy = Self.pings(notify.messages, from: windowStart, window: .seconds(5))
        #expect(healthy.count >= 4, "only \(healthy.count) WATCHDOG=1 in 5 s")
        // The contract is that no gap reaches WATCHDOG_USEC (systemd kills at 2 s); pings are
        // sent every ~1 s, and a loaded 2-core CI host can delay one by several hundred ms.
        #expect(healthy.maxGap < .seconds(2), "a \(healthy.maxGap) gap between pings while healthy")
        #expect(!notify.messages.contains { $0.has("WATCHDOG=1") && $0.time < ready.message.time },
                "a watchdog ping before READY=1")

        // SIGHUP with a valid file: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        var mark = notify.messages.count
        let hupAt = Self.monotonicUsec()
        daemon.signal(SIGHUP)
        let reloading = try #require(await notify.waitFor(timeout: .seconds(10), from: mark) { $0.has("RELOADING=1") }, "no RELOADING=1")
        let usec = try #require(reloading.message.value("MONOTONIC_USEC").flatMap(UInt64.init), "RELOADING=1 without MONOTONIC_USEC")
        #expect(usec >= hupAt && usec < hupAt + 10_000_000, "MONOTONIC_USEC \(usec) is not CLOCK_MONOTONIC (\(hupAt))")
        #expect(await notify.waitFor(timeout: .seconds(10), from: reloading.index + 1) { $0.has("READY=1") } != nil, "no READY=1 after reload")
        #expect(await waitFor(timeout: .seconds(5)) { daemon.stderr.contains("new configuration accepted") }, "\(daemon.stderr)")

        // SIGHUP with garbage: logged, the old configuration kept, still running and pinging.
        try "tenant: [this is not: a valid config\n".write(toFile: fixture.configPath, atomically: false, encoding: .utf8)
        mark = notify.messages.count
        daemon.signal(SIGHUP)
        let second = try #require(await notify.waitFor(timeout: .seconds(10), from: mark) { $0.has("RELOADING=1") }, "no RELOADING=1")
        #expect(await notify.waitFor(timeout: .seconds(10), from: second.index + 1) { $0.has("READY=1") } != nil)
        #expect(await waitFor(timeout: .seconds(5)) { daemon.stderr.contains("configuration reload refused") }, "\(daemon.stderr)")
        #expect(daemon.stderr.contains(fixture.configPath), "the refusal names the file")
        let afterBad = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        #expect(daemon.isRunning)
        #expect(Self.pings(notify.messages, from: afterBad, window: .seconds(3)).count >= 2, "pings stopped after a refused reload")
        // The old configuration still forwards: new records arrive at the receiver.
        await sim.addActivities(20)
        // Generous: activities only, at ~1 request/s; once the 30-request budget is spent (after
        // ~30 s of catch-up) the pacer can hold the next request for up to ~30 s.
        #expect(await receiver.waitFor(count: backlog + 20, timeout: .seconds(75)), "forwarding stopped after a refused reload")

        // SIGTERM: STOPPING=1, exit 0.
        mark = notify.messages.count
        daemon.signal(SIGTERM)
        #expect(await notify.waitFor(timeout: .seconds(10), from: mark) { $0.has("STOPPING=1") } != nil, "no STOPPING=1")
        let status = await daemon.wait(timeout: .seconds(20))
        #expect(status == 0, "\(daemon.stderr)")

        // No secret in any datagram or log line.
        #expect(!notify.messages.contains { $0.text.contains(Self.token) }, "the token leaked into a notification")
        #expect(!daemon.stderr.contains(Self.token), "the token leaked into the log")
        #expect(notify.messages.contains { $0.value("STATUS") != nil })
        receiver.stop()
        await sim.stop()
    }

    /// `systemctl reload` right after start: a SIGHUP sent the instant READY=1 arrives must
    /// reload, not kill the daemon (SIGHUP's default action) because the trap is not set yet.
    /// Starts `run` under a fake NOTIFY_SOCKET whose listener sends `signal` to the daemon the
    /// instant the first READY=1 arrives (as `systemctl reload`/`stop` right after start would).
    private func daemonSignalledOnReady(_ signal: Int32) async throws -> (daemon: ChildProcess, notify: NotifySocket, sim: SimulatorServer, dir: TempDir) {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 10
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let dir = try TempDir("mdca-notify")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "out", url: "file://\(dir.file("out.jsonl"))")])
        let pid = Mutex<Int32>(0)
        let notify = try NotifySocket(path: dir.file("notify")) { text in
            if text.split(separator: "\n").contains("READY=1") {
                pid.withLock { p in
                    if p > 0 { kill(p, signal) }
                    p = -1  // only the first READY=1
                }
            }
        }
        var env = fixture.environment(token: Self.token)
        env["NOTIFY_SOCKET"] = notify.path
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: env)
        try daemon.start()
        pid.withLock { $0 = daemon.pid }
        return (daemon, notify, sim, dir)
    }

    @Test func sighupImmediatelyAfterReadyReloads() async throws {
        let (daemon, notify, sim, dir) = try await daemonSignalledOnReady(SIGHUP)
        defer { notify.close(); _ = dir }
        #expect(await notify.waitFor(timeout: .seconds(20)) { $0.has("RELOADING=1") } != nil,
                "no reload; running: \(daemon.isRunning); stderr: \(daemon.stderr)")
        #expect(daemon.isRunning, "SIGHUP right after READY=1 killed the daemon")
        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr)")
        await sim.stop()
    }

    /// `systemctl stop` right after start: SIGTERM the instant READY=1 arrives must be a
    /// graceful stop (STOPPING=1, checkpoint, exit 0), never the signal's default action.
    @Test func sigtermImmediatelyAfterReadyStopsGracefully() async throws {
        let (daemon, notify, sim, dir) = try await daemonSignalledOnReady(SIGTERM)
        defer { notify.close(); _ = dir }
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "SIGTERM right after READY=1: \(daemon.stderr)")
        #expect(await notify.waitFor(timeout: .seconds(5)) { $0.has("STOPPING=1") } != nil)
        await sim.stop()
    }

    func waitFor(timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}
