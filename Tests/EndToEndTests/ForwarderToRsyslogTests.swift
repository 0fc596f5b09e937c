import Foundation
import Formats
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 6 item 3: simulator (backlog, live rate, ties, late arrivals, hostile strings) →
/// `mdca-forwarder run` (a real process) → a real rsyslogd over TCP (LF and octet-counting),
/// UDP and TLS. Every activity must arrive exactly once on every input, and every line must be
/// exactly what its record, as served by the API, must produce.
///
/// UDP is held to exactly-once too: on loopback, with rsyslog's 16 MB receive buffer, a few
/// thousand datagrams (up to ~22 KB each) arrive without loss. Bigger volumes would not be a
/// fair test of the forwarder (the kernel drops datagrams on overload by design).
@Suite(.serialized)
struct ForwarderToRsyslogTests {
    /// Runs the pipeline: live generation for `liveFor`, then stops it, waits for every id on
    /// every input, SIGTERMs the forwarder and audits rsyslog's files.
    func deliverAndAudit(_ options: SimulatorOptions, pageSize: Int, liveFor: Duration,
                         extraTenant: [String] = [], timeout: Duration) async throws -> Pipeline {
        let pipeline = try await Pipeline.start(simulator: options, pageSize: pageSize, extraTenant: extraTenant)
        do {
            try await run(pipeline, options: options, liveFor: liveFor, timeout: timeout)
        } catch {
            await pipeline.tearDown()
            throw error
        }
        await pipeline.tearDown()
        return pipeline
    }

    private func run(_ pipeline: Pipeline, options: SimulatorOptions, liveFor: Duration, timeout: Duration) async throws {
        // The live window: records keep arriving (created = now) while the forwarder catches up.
        try await Task.sleep(for: liveFor)
        await pipeline.sim.stopLive()
        // From here the id set is final: the forwarder must deliver all of it within
        // settle_time + poll_interval (plus retries under faults).
        let ids = await pipeline.sim.allActivityIDs()
        #expect(ids.count > options.activities, "live generation added records")
        var records: [String: [UInt8]] = [:]
        for id in ids { records[id] = await pipeline.sim.activity(id: id) }
        #expect(records.count == ids.count, "ids are unique")

        guard let cefOptions = pipeline.channels.first?.options else { return }
        var cef: [String: ExpectedCEF] = [:]
        for (id, raw) in records { cef[id] = try ExpectedCEF(json: raw, options: cefOptions) }
        let coverage = Coverage(records: records, cef: cef)
        #expect(coverage.tied > 0 && coverage.late > 0 && coverage.hostile > 0 && coverage.truncatedFields > 0,
                "the data exercises ties, late arrivals, escaping and truncation: \(coverage)")

        let arrived = try await pipeline.waitForAll(Set(ids), timeout: timeout)
        #expect(arrived, "every id on every input in time; forwarder stderr tail: \(pipeline.forwarder.stderr.suffix(2000))")

        // SIGTERM: the daemon flushes, checkpoints and exits 0 (PRODUCT §3: no loss, no duplicates).
        pipeline.forwarder.signal(SIGTERM)
        let status = await pipeline.forwarder.wait(timeout: .seconds(30))
        #expect(status == 0, "forwarder exit status after SIGTERM; stderr tail: \(pipeline.forwarder.stderr.suffix(2000))")
        try await pipeline.waitForQuiet()

        for channel in pipeline.channels {
            let audit = DeliveryAudit(channel: channel, lines: pipeline.lines(channel), records: records, cef: cef)
            #expect(audit.isPerfect, "\(audit)")
            #expect(audit.lines == ids.count, "\(channel.name): one line per activity")
        }
        let secretLeaked = pipeline.forwarder.stderr.contains(Pipeline.token) || pipeline.forwarder.stdout.contains(Pipeline.token)
        #expect(!secretLeaked, "the API token never appears in the forwarder's output")
    }

    @Test(.timeLimit(.minutes(2)))
    func backlogAndLiveRecordsArriveExactlyOnceOverTCPUDPAndTLS() async throws {
        let options = SimulatorOptions(activities: 3000, seed: 61, liveRate: 60, lateFraction: 0.1,
                                       tieFraction: 0.3, hostileFraction: 0.1)
        _ = try await deliverAndAudit(options, pageSize: 500, liveFor: .seconds(4), timeout: .seconds(60))
    }

    @Test(.timeLimit(.minutes(3)))
    func exactlyOnceUnderFaultsAndThrottling() async throws {
        // 20 % of API requests fail (HTML 500/502, truncated 200 bodies, slow answers) and the
        // tenant allows 10 requests a minute (a burst of 10, then one every 6 s) while the
        // forwarder is configured for 30 (the maximum), so its catch-up and live polling meet
        // 429s. Retry-After is always sent: a 429 without it costs 60-75 s by design (PRODUCT
        // §3), which MDCA's pacing tests cover with an injected clock.
        // 6000 backlog activities are 12 pages of 500: more than the burst of 10 go out back
        // to back, so a 429 comes whatever the faults and the turn order (3000 made 11
        // requests in one run, and none was throttled).
        let options = SimulatorOptions(activities: 6000, seed: 62, throttleRPM: 10, retryAfter: .always,
                                       faultRate: 0.2, liveRate: 40, lateFraction: 0.1, tieFraction: 0.3,
                                       hostileFraction: 0.1, slowResponse: .seconds(1))
        let pipeline = try await deliverAndAudit(options, pageSize: 500, liveFor: .seconds(10),
                                                 extraTenant: ["requests_per_minute: 30"], timeout: .seconds(120))
        let statuses = pipeline.sim.requestLog.map(\.status)
        #expect(statuses.contains(429), "the throttle answered 429: \(statuses)")
        #expect(statuses.contains { $0 >= 500 }, "faults answered 5xx: \(statuses)")
    }
}
