import Curl
import Foundation
import InMemoryLogging
import MDCA
import Simulator
import Testing

/// The client against the in-process simulator: real HTTP over 127.0.0.1 through libcurl.
@Suite(.serialized) struct SimulatorIntegrationTests {
    @Test(arguments: [500, 5000])
    func aFullScanReturnsEveryActivityOnceInCreatedOrder(limit: Int) async throws {
        try await withSimulator(SimulatorOptions(activities: 20_000, seed: 7)) { server in
            let (ids, created) = try await scanAll(try makeClient(server), limit: limit)
            let expected = await server.allActivityIDs()
            #expect(expected.count == 20_000)
            #expect(ids == expected)
            #expect(Set(ids).count == ids.count)
            #expect(zip(created, created.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(!created.contains(-1))
        }
    }

    @Test func theCreatedRangeBoundsTheScan() async throws {
        try await withSimulator(SimulatorOptions(activities: 3000, seed: 3)) { server in
            let client = try makeClient(server)
            let all = try await scanAll(client, limit: 500)
            let from = all.created[1000], until = all.created[2000]
            var session = client.scan(from: from, until: until, limit: 500)
            var created: [Int64] = []
            while let page = try await session.next(using: client) { created += page.records.compactMap(\.created) }
            #expect(created.first == from && created.last == until)
            #expect(created.count == all.created.filter { $0 >= from && $0 <= until }.count)
        }
    }

    @Test(arguments: [RetryAfterMode.always, .never])
    func throttlingIsHonoured(mode: RetryAfterMode) async throws {
        try await withSimulator(SimulatorOptions(activities: 2500, seed: 5, throttleRPM: 30, retryAfter: mode)) { server in
            let logs = InMemoryLogHandler()
            // Another client of the tenant has spent the service's budget (until the service
            // refuses it: an event, whatever the machine's load): the scan meets 429s at once.
            let http = try HTTPClient(options: HTTPClientOptions())
            for _ in 0..<200 {
                let r = try await http.send(HTTPRequest(method: "GET", url: server.baseURL + "/api/v1/activities/none/"))
                if r.status == 429 { break }
            }
            let policy = RetryPolicy(maxAttempts: 50, throttleWait: .milliseconds(1500), throttleJitter: .milliseconds(200))
            let client = try makeClient(server, rpm: 600, retry: policy, logs: logs, http: http)
            let (ids, _) = try await scanAll(client, limit: 500)
            #expect(ids == (await server.allActivityIDs()))

            let scan = server.requestLog.filter { $0.method == "POST" }
            let waits = logs.entries.filter { $0.message.description == "API throttled the request, waiting" }
            let throttled = scan.indices.filter { scan[$0].status == 429 }
            #expect(!throttled.isEmpty)
            #expect(waits.count == throttled.count)
            for (n, i) in throttled.enumerated() where i + 1 < scan.count {
                let gap = scan[i + 1].time.timeIntervalSince(scan[i].time)
                let asked = (waits[n].metadata["retry.delay_ms"].flatMap { Double("\($0)") } ?? .infinity) / 1000
                if mode == .always {
                    #expect(waits[n].metadata["http.status"] == "429")
                    #expect(asked >= 1 && asked == asked.rounded(), "\(waits[n].metadata)")   // the server's whole seconds, taken as told
                } else {
                    #expect(asked >= 1.5 && asked <= 1.7)
                }
                #expect(gap >= asked - 0.002, "request \(i + 1) came \(gap) s after a 429 that asked for \(asked) s")
            }
            if mode == .always {
                // Honouring Retry-After exactly means the service never has to refuse twice in a row.
                #expect(!throttled.contains { throttled.contains($0 + 1) })
            }
        }
    }

    @Test func faultsAreRetriedAndEveryRecordArrivesOnce() async throws {
        try await withSimulator(SimulatorOptions(activities: 6000, seed: 11, faultRate: 0.25, slowResponse: .milliseconds(30))) { server in
            let logs = InMemoryLogHandler()
            let (ids, _) = try await scanAll(try makeClient(server, logs: logs), limit: 500)
            #expect(ids == (await server.allActivityIDs()))
            let statuses = Set(server.requestLog.map(\.status))
            #expect(statuses.contains(500) || statuses.contains(502))
            let retries = logs.entries.filter { $0.message.description == "API request failed, retrying" }
            #expect(!retries.isEmpty)
            #expect(retries.allSatisfy { $0.level == .warning && $0.metadata["attempt"] != nil && $0.metadata["retry.delay_ms"] != nil })
            #expect(retries.contains { $0.metadata["http.status"] == "502" || $0.metadata["http.status"] == "500" })
        }
    }

    @Test func aWrongTokenIsUnauthorizedAfterOneRetry() async throws {
        try await withSimulator(SimulatorOptions(activities: 10)) { server in
            let client = try makeClient(server, auth: TokenAuthenticator(token: Secret("wrong-token")))
            let error = await #expect(throws: APIError.self) { _ = try await scanAll(client, limit: 500) }
            guard case .unauthorized? = error else {
                Issue.record("expected unauthorized, got \(String(describing: error))")
                return
            }
            #expect(server.requestLog.map(\.status) == [401, 401])
            #expect(error?.isCredentialError == true)
        }
    }

    @Test func aMissingPermissionIsForbiddenAtOnce() async throws {
        try await withSimulator(SimulatorOptions(activities: 10)) { server in
            server.setFailure(.status(403))
            let error = await #expect(throws: APIError.self) { _ = try await scanAll(try makeClient(server), limit: 500) }
            guard case .forbidden? = error else {
                Issue.record("expected forbidden, got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("Investigation.Read") == true)
            #expect(server.requestLog.count == 1)
        }
    }

    @Test func aBoundedPolicyGivesUpOnAFailingService() async throws {
        try await withSimulator(SimulatorOptions(activities: 10)) { server in
            server.setFailure(.status(502))
            let policy = RetryPolicy(maxAttempts: 3, backoff: Backoff(base: .milliseconds(5), cap: .milliseconds(10)))
            let error = await #expect(throws: APIError.self) { _ = try await scanAll(try makeClient(server, retry: policy), limit: 500) }
            guard case .server(_, 502, let snippet)? = error else {
                Issue.record("expected a 502, got \(String(describing: error))")
                return
            }
            #expect(!snippet.contains("<") && snippet.count <= 201)
            #expect(server.requestLog.count == 3)
        }
    }

    @Test func aBoundedPolicyGivesUpWhenItsTimeIsSpent() async throws {
        try await withSimulator(SimulatorOptions(activities: 10)) { server in
            server.setFailure(.status(504))
            // The skipping clock makes the backoff waits (1 s, 2 s, 4 s, …) take no real time.
            let clock = SkippingClock()
            let policy = RetryPolicy(maxElapsed: .seconds(20), unit: { 1 }, clock: clock)
            let error = await #expect(throws: APIError.self) { _ = try await scanAll(try makeClient(server, retry: policy), limit: 500) }
            guard case .server(_, 504, _)? = error else {
                Issue.record("expected a 504, got \(String(describing: error))")
                return
            }
            // 1 + 2 + 4 + 8 = 15 s of waiting; a further 16 s would pass the 20 s budget.
            #expect(clock.slept == .seconds(15))
            #expect(server.requestLog.count == 5)
        }
    }

    @Test func entraTokensAreRefreshedDuringALongScanAndTheSecretIsNeverLogged() async throws {
        let secret = "entra-Secret+/=&value"
        try await withSimulator(SimulatorOptions(
            activities: 5000, seed: 9, token: nil, clientID: "app-id", clientSecret: secret, entraTokenLifetime: .seconds(3)
        )) { server in
            let logs = InMemoryLogHandler()
            let http = try HTTPClient(options: HTTPClientOptions())
            let auth = EntraAuthenticator(
                tenantID: "tenant-1", clientID: "app-id", clientSecret: Secret(secret), authority: server.baseURL,
                http: http, logger: logs.logger("mdca.entra"))
            // 4 requests per (20× fast) minute: 4 pages every 3 s, so the 10-page scan takes
            // about 6 s and outlives a 3 s token.
            let pacer = Pacer(requestsPerMinute: 4, clock: FastClock(factor: 20))
            let client = ScanClient(
                baseURL: server.baseURL, authenticator: auth, http: http, pacer: pacer, logger: logs.logger(),
                retry: RetryPolicy(maxAttempts: 5, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50))))
            let started = ContinuousClock.now
            let (ids, _) = try await scanAll(client, limit: 500)
            #expect(ContinuousClock.now - started > .seconds(4))
            #expect(ids == (await server.allActivityIDs()))

            let log = server.requestLog
            #expect(log.filter { $0.path.hasSuffix("/oauth2/v2.0/token") }.count >= 2)
            #expect(!log.contains { $0.status == 401 })   // refreshed ahead of expiry, never after a rejection
            #expect(!logs.entries.isEmpty)
            #expect(!logs.entries.contains { $0.text.contains(secret) || $0.text.contains("sim-entra-") })
        }
    }

    @Test func aWrongEntraSecretIsATokenEndpointErrorWithoutTheSecret() async throws {
        try await withSimulator(SimulatorOptions(activities: 10, token: nil, clientID: "app-id", clientSecret: "right")) { server in
            let auth = EntraAuthenticator(
                tenantID: "tenant-1", clientID: "app-id", clientSecret: Secret("wrong-secret-value"), authority: server.baseURL + "/",
                http: try HTTPClient(options: HTTPClientOptions()), logger: InMemoryLogHandler().logger())
            let error = await #expect(throws: APIError.self) { _ = try await auth.authorizationHeader() }
            guard case .tokenEndpoint(let url, 401, "invalid_client", _)? = error else {
                Issue.record("expected invalid_client, got \(String(describing: error))")
                return
            }
            #expect(url == server.baseURL + "/tenant-1/oauth2/v2.0/token")
            #expect(error?.isCredentialError == true)
            #expect(error?.description.contains("AADSTS7000215") == true)
            #expect(error?.description.contains("wrong-secret-value") == false)
        }
    }
}

/// Real time, `factor` times faster: a pacing minute passes in 60/factor real seconds.
struct FastClock: PacingClock {
    let origin = ContinuousClock.now
    let factor: Double

    var now: Duration { (ContinuousClock.now - origin) * factor }

    func sleep(until deadline: Duration) async throws(CancellationError) {
        do {
            try await ContinuousClock().sleep(until: origin + deadline / factor, tolerance: .milliseconds(1))
        } catch {
            throw CancellationError()
        }
    }
}
