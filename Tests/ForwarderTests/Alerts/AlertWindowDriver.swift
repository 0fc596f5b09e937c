import ActivityJSON
import Checkpoint
import Curl
import Foundation
import MDCA
import Simulator
@testable import Forwarder

/// Drives one alert window as the engine does (plan → fetch → accept → classify each record
/// → complete), without outputs: what the policy delivers and what it passes over.
struct AlertWindowDriver {
    struct Outcome {
        var ids: [String] = []
        var skipped = 0
        var received = 0
        var pages = 0
    }

    /// Reads the window of `kind` behind `cursor` (the alert cursor, or the closures cursor)
    /// through `fetcher` and moves `cursor` as the committed position would move.
    static func drain(
        _ kind: AlertScan.Kind, _ cursor: inout AlertCursor, until: Int64, overlap: Int64 = 0,
        maxExcluded: Int = AlertScan.defaultMaxExcludedIDs, filters: [String: FilterValue] = [:],
        url: String = "http://fake/api/v1/alerts/", through fetcher: some PageFetching
    ) async throws -> Outcome {
        let source = AlertSource(url: url, filters: filters, overlapMs: overlap, resolutions: kind == .closures, maxExcludedIDs: maxExcluded)
        var position = AlertPosition(cursor: cursor, closures: kind == .closures ? cursor : nil)
        guard var window = source.windows(from: position, untilMs: until).last(where: { $0.policy.kind == kind }) else { return Outcome() }
        var outcome = Outcome()
        while let request = window.plan.nextRequest {
            let page = try await fetcher.fetch(request, as: AlertPage.self, observer: nil)
            outcome.pages += 1
            outcome.received += page.records.count
            try window.plan.accept(page)
            for record in page.records {
                if window.policy.classify(record, position: &position).deliver {
                    outcome.ids.append(record.id)
                } else {
                    outcome.skipped += 1
                }
            }
        }
        window.policy.complete(&position)
        cursor = kind == .alerts ? position.cursor : (position.closures ?? cursor)
        return outcome
    }
}

/// Runs `body` with an in-process simulator on 127.0.0.1 (port 0), stopped afterwards.
func withAlertSimulator(_ options: SimulatorOptions, _ body: (SimulatorServer) async throws -> Void) async throws {
    var options = options
    options.host = "127.0.0.1"
    options.port = 0
    let server = SimulatorServer(options: options)
    _ = try await server.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// A client for `server` with test-speed retries.
func alertClient(_ server: SimulatorServer) throws -> ScanClient {
    ScanClient(
        baseURL: server.baseURL, authenticator: TokenAuthenticator(token: Secret("sim-token")),
        http: try HTTPClient(options: HTTPClientOptions(totalTimeout: .seconds(20))),
        pacer: Pacer(requestsPerMinute: 6000), logger: .init(label: "alert-test"),
        retry: RetryPolicy(maxAttempts: 50, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(100)),
                           throttleWait: .milliseconds(200), throttleJitter: .milliseconds(50)))
}
