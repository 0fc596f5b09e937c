@testable import Forwarder
import Curl
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The core's health seen from outside, through the real binary: an API outage under a fake
/// NOTIFY_SOCKET (pings never stop, STATUS and `status` name it, recovery clears it), and
/// `/metrics` compared with what a real receiver got, with the output taken away and back.
@Suite(.serialized)
struct OutageAndMetricsTests {
    static let token = "outage-metrics-SECRET-41ab"

    func simulator(activities: Int, seed: UInt64) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = seed
        options.token = Self.token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        return sim
    }

    @Test func apiOutageKeepsPingingNamesTheProblemAndRecovers() async throws {
        let sim = try await simulator(activities: 200, seed: 11)
        sim.setFailure(.status(503))
        let receiver = try LineReceiver()
        try receiver.start()
        let dir = try TempDir("mdca-outage")
        let fixture = try ForwarderFixture(dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")])
        let notify = try NotifySocket(path: dir.file("notify"))
        defer { notify.close() }
        var env = fixture.environment(token: Self.token)
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "2000000"
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: env)
        try daemon.start()
        let ready = try #require(await notify.waitFor(timeout: .seconds(20)) { $0.has("READY=1") }, "no READY=1: \(daemon.stderr)")

        // STATUS names the API problem (well within a minute).
        let named = await notify.waitFor(timeout: .seconds(60)) { $0.value("STATUS")?.contains("problem: API unavailable: HTTP 503, retrying in") ?? false }
        #expect(named != nil, "STATUS never named the outage: \(notify.messages.compactMap { $0.value("STATUS") }.suffix(3))")
        // `status`, which reads only the state file, names it too.
        var statusText = ""
        func namesOutage(_ text: String) -> Bool {
            text.split(separator: "\n").contains { $0.hasPrefix("current problem:") && $0.contains("API unavailable: HTTP 503") }
        }
        for _ in 0..<100 {
            statusText = try await ChildProcess.run("mdca-forwarder", ["status", "--config", fixture.configPath], environment: [:], timeout: .seconds(20)).stdout
            if namesOutage(statusText) { break }
            _ = await notify.waitFor(timeout: .seconds(1), from: notify.messages.count) { $0.has("STATUS") }
        }
        #expect(namesOutage(statusText), "\(statusText)")

        // The outage lasts 15 s of retries with growing backoff: pings never stop.
        let outageStart = ready.message.time
        _ = await notify.waitFor(timeout: .seconds(15), from: notify.messages.count) { $0.time >= outageStart + .seconds(15) }
        let during = NotifyContractTests.pings(notify.messages, from: outageStart, window: .seconds(15))
        // No gap may reach WATCHDOG_USEC (2 s, where systemd kills); ~1 s pings on a loaded
        // 2-core host can be late by several hundred ms, so bound by the contract itself.
        #expect(during.count >= 12 && during.maxGap < .seconds(2), "pings during the outage: \(during)")

        // Recovery clears the problem and everything arrives.
        sim.setFailure(nil)
        let backlog = await sim.allActivityIDs().count
        // Generous: the retry backoff in `run` is random in [1, 2^(n-1)] s (capped at 300 s), so
        // after the outage's retries the next attempt can be up to 64 s away, plus the catch-up.
        let recovered = await notify.waitFor(timeout: .seconds(150)) { m in
            guard let s = m.value("STATUS") else { return false }
            return s.contains("forwarded \(backlog)") && !s.contains("problem")
        }
        #expect(recovered != nil, "no recovery: \(notify.messages.compactMap { $0.value("STATUS") }.suffix(3)) \(daemon.stderr)")
        #expect(await receiver.waitFor(count: backlog, timeout: .seconds(10)))
        let all = NotifyContractTests.pings(notify.messages, from: outageStart, window: ContinuousClock.now - outageStart)
        // The contract: no gap reaches WATCHDOG_USEC (2 s), see above.
        #expect(all.maxGap < .seconds(2), "a \(all.maxGap) gap in pings")

        let mark = daemon.stderr.count
        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(15)) == 0, "\(daemon.stderr)")
        // The stop itself produces no failure lines.
        let stopLog = String(daemon.stderr.dropFirst(mark))
        for failure in ["stream problem", "poll finished", "poll failed", "unavailable", "error"] {
            #expect(!stopLog.contains(failure), "the stop logged '\(failure)': \(stopLog)")
        }
        #expect(!daemon.stderr.contains(Self.token))
        receiver.stop()
        await sim.stop()
    }

    /// One scrape: series name with its labels sorted → value.
    static func scrape(_ port: Int) async throws -> [String: Double] {
        let http = try HTTPClient(options: HTTPClientOptions())
        let response = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics", headers: [], body: nil))
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        var series: [String: Double] = [:]
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            var key = String(line[..<space])
            if let open = key.firstIndex(of: "{") {
                let labels = key[key.index(after: open)..<key.index(before: key.endIndex)].split(separator: ",").sorted()
                key = String(key[..<open]) + "{" + labels.joined(separator: ",") + "}"
            }
            series[key] = value
        }
        return series
    }

    func waitForScrape(_ port: Int, timeout: Duration = .seconds(30), _ condition: ([String: Double]) -> Bool) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Double] = [:]
        while ContinuousClock.now < deadline {
            // Until the listener is up, a refused connection is expected.
            if let scraped = try? await Self.scrape(port) { last = scraped }
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test func metricsMatchWhatTheReceiverGot() async throws {
        let sim = try await simulator(activities: 1500, seed: 12)
        let port = try FreePort.tcp()
        let receiverPort = try FreePort.tcp()
        var receiver = try LineReceiver(port: receiverPort)
        try receiver.start()
        let dir = try TempDir("mdca-metrics")
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiverPort)")],
            extraTop: ["metrics:", "  listen: 127.0.0.1:\(port)"])
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath], environment: fixture.environment(token: Self.token))
        try daemon.start()
        defer { daemon.signal(SIGKILL) }

        // Every §10 series exists from start-up.
        let first = try await waitForScrape(Int(port)) { !$0.isEmpty }
        let names = Set(first.keys.map { $0.split(separator: "{").first.map(String.init) ?? $0 })
        for name in ["build_info", "api_requests_total", "api_throttled_total", "records_received_total", "records_sent_total",
                     "records_anomalous_total", "output_errors_total", "output_up", "checkpoint_timestamp_seconds",
                     "last_success_timestamp_seconds", "checkpoint_writes_total", "checkpoint_errors_total"] {
            #expect(names.contains("mdca_forwarder_" + name), "missing mdca_forwarder_\(name) in \(names.sorted())")
        }
        #expect(first["mdca_forwarder_build_info{version=\"\(ForwarderVersion.string)\"}"] == 1)

        // After the backlog: what the receiver got, and the state file's cursor.
        let backlog = await sim.allActivityIDs().count
        #expect(await receiver.waitFor(count: backlog, timeout: .seconds(60)), "\(daemon.stderr)")
        let sentKey = "mdca_forwarder_records_sent_total{output=\"rx\",stream=\"activities\"}"
        let caughtUp = try await waitForScrape(Int(port)) { $0[sentKey] == Double(backlog) && $0["mdca_forwarder_last_success_timestamp_seconds{stream=\"activities\"}"] ?? 0 > 0 }
        #expect(caughtUp[sentKey] == Double(receiver.count))
        #expect(caughtUp["mdca_forwarder_records_received_total{stream=\"activities\"}"] ?? 0 >= Double(backlog))
        #expect(caughtUp["mdca_forwarder_output_up{output=\"rx\"}"] == 1)
        #expect(caughtUp["mdca_forwarder_api_requests_total{code=\"200\",stream=\"activities\"}"] ?? 0 >= 1)
        let cursorMs = try #require(fixture.storedCursorMs())
        #expect(caughtUp["mdca_forwarder_checkpoint_timestamp_seconds{stream=\"activities\"}"] == Double(cursorMs) / 1000)
        #expect(caughtUp["mdca_forwarder_checkpoint_writes_total"] ?? 0 >= 1)

        // The output taken away: output_up 0, errors counted, nothing counted as sent.
        receiver.stop(dropConnections: true)
        await sim.addActivities(25)
        let down = try await waitForScrape(Int(port)) { $0["mdca_forwarder_output_up{output=\"rx\"}"] == 0 }
        #expect(down["mdca_forwarder_output_up{output=\"rx\"}"] == 0, "\(daemon.stderr)")
        #expect(down["mdca_forwarder_output_errors_total{output=\"rx\"}"] ?? 0 >= 1)
        #expect(down[sentKey] == Double(backlog))

        // Back: up again, and the sent count matches what arrived.
        receiver = try LineReceiver(port: receiverPort)
        try receiver.start()
        #expect(await receiver.waitFor(count: 25, timeout: .seconds(90)), "\(daemon.stderr)")
        let back = try await waitForScrape(Int(port)) { $0["mdca_forwarder_output_up{output=\"rx\"}"] == 1 && $0[sentKey] == Double(backlog + 25) }
        #expect(back[sentKey] == Double(backlog + 25))
        #expect(back["mdca_forwarder_output_up{output=\"rx\"}"] == 1)

        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(15)) == 0, "\(daemon.stderr)")
        receiver.stop()
        await sim.stop()
    }
}
