@testable import Forwarder
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 19 through the binary: a three-member etcd on loopback, the simulator with live
/// activities and alerts, two forwarders with the same key, each with its own receiver.
@Suite(.serialized)
struct HATests {
    static let token = "ha-SECRET-7d1e"
    static let lease = 5
    static let checkpointEvery = 100

    func simulator() async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 400
        options.seed = 19
        options.token = Self.token
        options.liveRate = 15
        options.alerts = 100
        options.alertRate = 3
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        return sim
    }

    /// A three-member etcd, the simulator, and two instances (not started) under a fresh key.
    struct Pair {
        let cluster: EtcdCluster
        let sim: SimulatorServer
        let key: String
        let a: HAInstance
        let b: HAInstance

        func stop() {
            a.stop()
            b.stop()
            cluster.stop()
        }
    }

    func pair() async throws -> Pair {
        let cluster = try await EtcdCluster.start()
        do {
            let sim = try await simulator()
            let key = "/mdca-test/\(UUID().uuidString)"
            let a = try HAInstance(name: "collector-a", sim: sim, etcd: cluster.endpoints, key: key, token: Self.token)
            let b = try HAInstance(name: "collector-b", sim: sim, etcd: cluster.endpoints, key: key, token: Self.token)
            return Pair(cluster: cluster, sim: sim, key: key, a: a, b: b)
        } catch {
            cluster.stop()
            throw error
        }
    }

    /// Nobody else sends while `leader` does: over at least `window`, and until the leader has
    /// sent something new, the other receiver stays as it was. The leader's next send is an
    /// event to wait for, not a time: both streams poll every second on a budget of 30 requests
    /// a minute, so after a catch-up the pacer can hold the leader's next request for most of
    /// a minute (CI saw a 3 s window with nothing sent by either).
    func onlyOneSends(_ leader: HAInstance, _ other: HAInstance, for window: Duration) async -> Bool {
        let before = (leader.receiver.count, other.receiver.count)
        let start = ContinuousClock.now
        let leaderSent = await eventually(timeout: .seconds(90)) {
            leader.receiver.count > before.0 && ContinuousClock.now - start >= window
        }
        return leaderSent && other.receiver.count == before.1
    }

    /// Every activity and alert the simulator holds is in the union of the receivers; returns
    /// the duplicates.
    func auditUnion(_ instances: [HAInstance], sim: SimulatorServer) async -> (missing: Int, duplicates: Int) {
        await auditUnion(receivers: instances.map(\.receiver), sim: sim)
    }

    func auditUnion(receivers: [LineReceiver], sim: SimulatorServer) async -> (missing: Int, duplicates: Int) {
        await sim.stopLive()
        try? await Task.sleep(for: .milliseconds(1500))   // the last live records age past settle_time
        let activities = await sim.allActivityIDs()
        let alerts = await sim.allAlertIDs()
        var result = (missing: 0, duplicates: 0)
        // Generous: with both streams on, the pacer (30 requests/min) can hold the next request
        // for ~46 s after a catch-up, and the last records then still have to be fetched.
        _ = await eventually(timeout: .seconds(120)) {
            let lines = AlertStreamTests.Lines(receivers.flatMap { $0.received })
            let a = AlertStreamTests.exactlyOnce(lines.activities, activities)
            let b = AlertStreamTests.exactlyOnce(lines.alerts, alerts)
            result = (a.missing + b.missing, a.duplicates + b.duplicates)
            return result.missing == 0
        }
        return result
    }

    @Test func failoverKill9SigstopAndSigtermHandOver() async throws {
        let pair = try await pair()
        defer { pair.stop() }
        let (sim, key, a, b) = (pair.sim, pair.key, pair.a, pair.b)
        try a.start()
        #expect(await a.waitUntilLeading(timeout: .seconds(30)) != nil, "a never led: \(a.process?.stderr ?? "")")
        try b.start()
        let standby = await b.notify.waitFor(timeout: .seconds(20)) { $0.value("STATUS")?.hasPrefix("standby; leader collector-a since") ?? false }
        #expect(standby != nil, "b's STATUS: \(b.status)")
        #expect(b.notify.messages.contains { $0.has("READY=1") }, "a standby is READY")
        #expect(await eventually(timeout: .seconds(30)) { a.receiver.count > 400 })
        #expect(await onlyOneSends(a, b, for: .seconds(3)), "a: \(a.receiver.count), b: \(b.receiver.count)")

        // kill -9 of the leader: b leads within lease + 5 s.
        let marks = b.notify.messages.count
        let killed = ContinuousClock.now
        a.signal(SIGKILL)
        let bLeads = await b.waitUntilLeading(timeout: .seconds(Self.lease + 5), from: marks)
        #expect(bLeads != nil, "b did not lead within lease + 5 s: \(b.status)")
        print("HA: kill -9 → new leader after \(bLeads.map { $0 - killed } ?? .seconds(-1))")

        // The operator's view from a's host while b leads: status names the leader and a's role,
        // checkpoint set is refused (the leader holds the checkpoint), /metrics says who leads.
        let status = try await a.command(["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status.stdout)")
        #expect(report["leader"] as? String == "collector-b")
        #expect(report["role"] as? String == "standby")
        #expect(report["stateFile"] as? String == "etcd key \(key)/checkpoint")
        #expect((report["recordsForwarded"] as? Int ?? 0) > 0, "the checkpoint in etcd has a's progress: \(report)")
        let text = try await a.command(["status"])
        #expect(text.stdout.contains("leader:") && text.stdout.contains("collector-b since"), "\(text.stdout)")
        let refused = try await a.command(["checkpoint", "set", "--since", "1h"])
        #expect(refused.status == 74 && refused.stderr.contains("held by the leader collector-b"), "\(refused)")
        let metrics = try await OutageAndMetricsTests.scrape(Int(b.metricsPort))
        #expect(metrics["mdca_forwarder_leader"] == 1)
        // b's first send after taking over (fetch, deliver, count) is an event, not an instant: on
        // a loaded 2-core host it may not be counted yet after the three CLI runs above, so poll
        // the scrape until it is rather than sample it once.
        let bSentKey = "mdca_forwarder_records_sent_total{output=\"rx\",stream=\"activities\"}"
        var bSent = metrics[bSentKey] ?? 0
        let bCounted = await eventually(timeout: .seconds(30)) {
            if let scraped = try? await OutageAndMetricsTests.scrape(Int(b.metricsPort)) { bSent = scraped[bSentKey] ?? 0 }
            return bSent > 0
        }
        #expect(bCounted, "stream series while leading: \(bSentKey) = \(bSent)")

        // a comes back as a standby; then b freezes (SIGSTOP) for three leases: a takes over,
        // and b, continued, sends nothing more and does not lead.
        // Marks are taken before the event: a message that arrives before the count is read
        // would otherwise be skipped (CI saw b's "standby" missed that way).
        let aRestart = a.notify.messages.count
        try a.start()
        #expect(await a.notify.waitFor(timeout: .seconds(20), from: aRestart) { $0.value("STATUS")?.hasPrefix("standby; leader collector-b") ?? false } != nil)
        #expect(await eventually(timeout: .seconds(20)) { b.receiver.count > 0 })
        let aMarks = a.notify.messages.count
        b.signal(SIGSTOP)
        let frozenAt = ContinuousClock.now
        let frozenCount = b.receiver.count
        #expect(await a.waitUntilLeading(timeout: .seconds(Self.lease + 5), from: aMarks) != nil, "a did not take over from a frozen b")
        try await Task.sleep(until: frozenAt + .seconds(3 * Self.lease), clock: .continuous)
        let bWake = b.notify.messages.count   // b is stopped: nothing arrives until SIGCONT
        b.signal(SIGCONT)
        #expect(await b.notify.waitFor(timeout: .seconds(10), from: bWake) { $0.value("STATUS")?.hasPrefix("standby") ?? false } != nil,
                "b, continued, says it is a standby: \(b.status)")
        try await Task.sleep(for: .seconds(3))
        #expect(b.receiver.count == frozenCount, "b sent \(b.receiver.count - frozenCount) record(s) after waking on an expired lease")
        let bMetrics = try await OutageAndMetricsTests.scrape(Int(b.metricsPort))
        #expect(bMetrics["mdca_forwarder_leader"] == 0)
        #expect(bMetrics["mdca_forwarder_coordination_errors_total"] ?? 0 >= 1, "the lost term is counted")
        #expect(await onlyOneSends(a, b, for: .seconds(3)))

        // SIGTERM on the leader: it flushes, commits, revokes; b leads within 2 s.
        let bMarks = b.notify.messages.count
        let terminated = ContinuousClock.now
        a.signal(SIGTERM)
        let handOver = await b.waitUntilLeading(timeout: .seconds(10), from: bMarks)
        #expect(await a.process?.wait(timeout: .seconds(15)) == 0, "\(a.process?.stderr ?? "")")
        let took = handOver.map { $0 - terminated }
        print("HA: SIGTERM → new leader after \(took ?? .seconds(-1))")
        #expect(took != nil && took! <= .seconds(2), "hand-over took \(took ?? .seconds(-1))")
        #expect(a.process?.stderr.contains("resigned: lease revoked") == true)

        // Nothing lost; duplicates within one checkpoint interval per failover (three).
        let union = await auditUnion([a, b], sim: sim)
        #expect(union.missing == 0)
        #expect(union.duplicates <= 3 * Self.checkpointEvery, "duplicates: \(union.duplicates)")
        print("HA: union audit \(union)")
        for instance in [a, b] { #expect(!(instance.process?.stderr.contains(Self.token) ?? true)) }

        // With every instance stopped, checkpoint set writes through etcd (and lets go again).
        b.signal(SIGTERM)
        #expect(await b.process?.wait(timeout: .seconds(15)) == 0)
        let moved = try await a.command(["checkpoint", "set", "--since", "2026-01-01T00:00:00Z"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("to 2026-01-01T00:00:00.000Z in etcd key \(key)/checkpoint"), "\(moved.stdout)")
        let after = try await a.command(["status", "--json"])
        #expect(after.stdout.contains("\"cursor\":\"2026-01-01T00:00:00.000Z\""), "\(after.stdout)")
        #expect(after.stdout.contains("\"leader\":null"), "checkpoint set revoked its lease: \(after.stdout)")
        await sim.stop()
    }

    /// etcd unreachable at start is not a configuration error: READY=1, a standby that says
    /// why, healthy to the watchdog; SIGTERM stops it cleanly.
    @Test func unreachableEtcdAtStartIsAStandbyThatSaysWhy() async throws {
        let sim = try await simulator()
        let nowhere = "http://127.0.0.1:\(try FreePort.tcp())"
        let a = try HAInstance(name: "collector-a", sim: sim, etcd: [nowhere], key: "/mdca-test/nowhere", token: Self.token)
        defer { a.stop() }
        let check = try await a.command(["check-config"])
        #expect(check.status == 0, "\(check.stderr)")
        try a.start()
        #expect(await a.notify.waitFor(timeout: .seconds(20)) { $0.has("READY=1") } != nil)
        let said = await a.notify.waitFor(timeout: .seconds(20)) {
            $0.value("STATUS")?.hasPrefix("standby; coordination problem: no etcd member answered: \(nowhere)") ?? false
        }
        #expect(said != nil, "STATUS: \(a.status)")
        #expect(await a.notify.waitFor(timeout: .seconds(5)) { $0.has("WATCHDOG=1") } != nil, "a standby is healthy")
        #expect(a.process?.stderr.contains("coordination problem") == true)
        a.signal(SIGTERM)
        #expect(await a.process?.wait(timeout: .seconds(15)) == 0, "\(a.process?.stderr ?? "")")
        #expect(await sim.allActivityIDs().count > 0)
        #expect(a.receiver.count == 0, "a standby sends nothing")
        #expect(sim.requestLog.isEmpty, "a standby makes no API request: \(sim.requestLog.count)")
        await sim.stop()
    }

    /// SIGHUP reaches an HA instance as it reaches a single one (PRODUCT §7): the leader's
    /// streams move to the new output at once, a standby's next term starts with its new
    /// configuration, and a change of `state.etcd` is refused until a restart.
    @Test func reloadReachesTheLeaderAndTheStandby() async throws {
        let pair = try await pair()
        defer { pair.stop() }
        let (sim, a, b) = (pair.sim, pair.a, pair.b)
        let (aNew, bNew) = (try LineReceiver(), try LineReceiver())
        try aNew.start()
        try bNew.start()
        defer { aNew.stop(); bNew.stop() }
        try a.start()
        #expect(await a.waitUntilLeading(timeout: .seconds(30)) != nil)
        try b.start()
        #expect(await b.notify.waitFor(timeout: .seconds(20)) { $0.value("STATUS")?.hasPrefix("standby") ?? false } != nil)
        #expect(await eventually(timeout: .seconds(30)) { a.receiver.count > 400 })

        // Both point their output at a new receiver, and reload.
        #expect(try a.rewriteConfig { $0.replacingOccurrences(of: "url: tcp://127.0.0.1:\(a.receiver.port)\n", with: "url: tcp://127.0.0.1:\(aNew.port)\n") })
        #expect(try b.rewriteConfig { $0.replacingOccurrences(of: "url: tcp://127.0.0.1:\(b.receiver.port)\n", with: "url: tcp://127.0.0.1:\(bNew.port)\n") })
        let (aMarks, bMarks) = (a.notify.messages.count, b.notify.messages.count)
        a.signal(SIGHUP)
        b.signal(SIGHUP)
        for instance in [a, b] {
            let marks = instance === a ? aMarks : bMarks
            #expect(await instance.notify.waitFor(timeout: .seconds(20), from: marks) { $0.has("RELOADING=1") } != nil, "\(instance.name): RELOADING=1")
            #expect(await instance.notify.waitFor(timeout: .seconds(20), from: marks) { $0.has("READY=1") } != nil, "\(instance.name): READY=1 after the reload")
        }
        #expect(await eventually(timeout: .seconds(10)) { a.process?.stderr.contains("new configuration accepted; it takes effect at once") == true },
                "\(a.process?.stderr.suffix(2000) ?? "")")
        #expect(await eventually(timeout: .seconds(10)) { b.process?.stderr.contains("new configuration accepted; the next term starts with it") == true },
                "\(b.process?.stderr.suffix(2000) ?? "")")
        // The leader's next records go to the new receiver (the pacer may hold the next
        // request for most of a minute after the catch-up), and none to the old one after.
        #expect(await eventually(timeout: .seconds(90)) { aNew.count > 0 }, "the leader's new output got nothing: \(a.process?.stderr.suffix(2000) ?? "")")
        let oldCount = a.receiver.count
        #expect(await eventually(timeout: .seconds(90)) { aNew.count > 50 })
        #expect(a.receiver.count == oldCount, "the old output got \(a.receiver.count - oldCount) record(s) after the new one took over")

        // A change of state.etcd is refused; the instance keeps leading with what it has.
        #expect(try a.rewriteConfig { $0.replacingOccurrences(of: "lease: \(Self.lease)s", with: "lease: \(Self.lease + 1)s") })
        a.signal(SIGHUP)
        #expect(await eventually(timeout: .seconds(20)) {
            a.process?.stderr.contains("configuration reload refused") == true && a.process?.stderr.contains("state.etcd the instance started with") == true
        }, "\(a.process?.stderr.suffix(2000) ?? "")")
        let beforeRefusal = aNew.count
        #expect(await eventually(timeout: .seconds(90)) { aNew.count > beforeRefusal }, "the leader kept sending after the refused reload")

        // Hand-over: b leads with the configuration it reloaded as a standby.
        let handOverMarks = b.notify.messages.count
        a.signal(SIGTERM)
        #expect(await a.process?.wait(timeout: .seconds(15)) == 0, "\(a.process?.stderr ?? "")")
        #expect(await b.waitUntilLeading(timeout: .seconds(10), from: handOverMarks) != nil)
        #expect(await eventually(timeout: .seconds(90)) { bNew.count > 0 }, "b's reloaded output got nothing: \(b.process?.stderr.suffix(2000) ?? "")")
        #expect(b.receiver.count == 0, "b's first output, replaced while it was a standby, got \(b.receiver.count) record(s)")

        // Nothing lost across the reloads and the hand-over.
        let union = await auditUnion(receivers: [a.receiver, aNew, b.receiver, bNew], sim: sim)
        #expect(union.missing == 0)
        #expect(union.duplicates <= Self.checkpointEvery, "duplicates: \(union.duplicates)")
        b.signal(SIGTERM)
        #expect(await b.process?.wait(timeout: .seconds(15)) == 0)
        await sim.stop()
    }

    @Test func etcdMemberDownThenQuorumLost() async throws {
        let pair = try await pair()
        defer { pair.stop() }
        let (cluster, sim, a, b) = (pair.cluster, pair.sim, pair.a, pair.b)
        try a.start()
        #expect(await a.waitUntilLeading(timeout: .seconds(30)) != nil)
        try b.start()
        #expect(await eventually(timeout: .seconds(30)) { a.receiver.count > 400 })

        // One member of three down: no interruption, no standby STATUS on the leader.
        let marks = a.notify.messages.count
        cluster.kill(0)
        #expect(await onlyOneSends(a, b, for: .seconds(2 * Self.lease)))
        #expect(!a.notify.messages.dropFirst(marks).contains { $0.value("STATUS")?.hasPrefix("standby") ?? false }, "\(a.status)")

        // Quorum lost: sending stops once the lease cannot be proven; STATUS says why.
        cluster.kill(1)
        let said = await a.notify.waitFor(timeout: .seconds(Self.lease + 10), from: marks) {
            $0.value("STATUS")?.hasPrefix("standby; coordination problem") ?? false
        }
        #expect(said != nil, "a's STATUS: \(a.status)")
        let stopped = a.receiver.count + b.receiver.count
        try await Task.sleep(for: .seconds(3))
        #expect(a.receiver.count + b.receiver.count == stopped, "nothing is sent without quorum")

        // Quorum back: one of them leads again and forwarding resumes.
        try cluster.restart(0)
        try cluster.restart(1)
        try await cluster.waitHealthy([0, 1, 2])
        // Within a lease or two one of them leads; its first send can then wait for the pacer
        // (30 requests a minute, counted since that process started), hence the long bound.
        #expect(await eventually(timeout: .seconds(90)) { a.receiver.count + b.receiver.count > stopped })
        let union = await auditUnion([a, b], sim: sim)
        #expect(union.missing == 0)
        #expect(union.duplicates <= Self.checkpointEvery, "duplicates: \(union.duplicates)")
        await sim.stop()
    }
}
