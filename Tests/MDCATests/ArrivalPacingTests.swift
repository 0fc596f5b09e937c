import Curl
import InMemoryLogging
@testable import MDCA
import Simulator
import Testing

/// Issue 18 item 3: the budget holds *as the server counts it* — by arrival, on its own
/// clock — however long each request takes to get there.
@Suite struct ArrivalPacingTests {
    /// The window runs from the answer of the request N before, not from its sending: a
    /// request that took 30 s to be answered may have arrived at the server at 29.9 s.
    @Test func theWindowRunsFromTheAnswerNotTheSending() async throws {
        let clock = ManualClock()
        let pacer = Pacer(requestsPerMinute: 1, clock: clock)
        let first = try await pacer.acquire()
        clock.advance(to: .seconds(30))
        await pacer.finished(first)
        var sleeps = clock.sleeps.makeAsyncIterator()
        let second = Task { try await pacer.acquire() }
        #expect(await sleeps.next() == .seconds(91))
        clock.advance(to: .seconds(91))
        #expect(try await second.value.slot == .seconds(91))
    }

    /// A request whose answer is not in yet may arrive at any moment: the next one waits for
    /// it, never for a guess of its latency.
    @Test func aRequestInFlightCountsAsArrivingNow() async throws {
        let clock = ManualClock()
        let pacer = Pacer(requestsPerMinute: 1, clock: clock)
        _ = try await pacer.acquire()   // never answered
        clock.advance(to: .seconds(100))
        var sleeps = clock.sleeps.makeAsyncIterator()
        let next = Task { try await pacer.acquire() }
        #expect(await sleeps.next() == .seconds(161))
        clock.advance(to: .seconds(161))
        _ = try await next.value
    }

    /// Each request travels 0–3 s to the server and 0–2 s back (a fresh TLS connection next
    /// to a reused one), with think time now and then: the server never counts more than the
    /// limit in any rolling minute of *its* arrivals.
    @Test(arguments: [1, 7, 30])
    func arrivalsWithJitterStayWithinTheLimit(requestsPerMinute: Int) async throws {
        let clock = SkippingClock()
        let pacer = Pacer(requestsPerMinute: requestsPerMinute, clock: clock)
        var random = SplitMix64(seed: UInt64(requestsPerMinute) &* 7919)
        var arrivals: [Duration] = []
        for _ in 0..<150 {
            if random.next() % 5 == 0 { try await clock.sleep(for: .milliseconds(Int(random.next() % 4_000))) }
            let permit = try await pacer.acquire()
            try await clock.sleep(for: .milliseconds(Int(random.next() % 3_000)))   // to the server
            arrivals.append(clock.now)
            try await clock.sleep(for: .milliseconds(Int(random.next() % 2_000)))   // the answer
            await pacer.finished(permit)
        }
        let sorted = arrivals.sorted()
        // The window (x − 60 s, x] ending at each arrival x holds the most arrivals ending there.
        let busiest = sorted.indices.map { last in
            sorted[...last].reversed().prefix { $0 > sorted[last] - .seconds(60) }.count
        }.max() ?? 0
        #expect(busiest <= requestsPerMinute, "\(busiest) arrivals in one rolling minute at \(requestsPerMinute)/min")
    }

    /// A real server counting arrivals over a rolling window on its own clock, with 0–200 ms
    /// of random delay before each request is counted (the network): a paced catch-up of 28
    /// pages gets no 429. The pacer's minute runs 20× fast (3 s), the server's window is 3 s.
    @Test func aPacedCatchUpAgainstARollingWindowServerGetsNo429() async throws {
        var options = SimulatorOptions(activities: 14_000, seed: 18)
        options.throttleRPM = 6
        options.throttleMode = .rollingWindow
        options.throttleWindow = .seconds(3)
        options.arrivalJitter = .milliseconds(200)
        try await withSimulator(options) { server in
            let logs = InMemoryLogHandler()
            let client = ScanClient(
                baseURL: server.baseURL, authenticator: TokenAuthenticator(token: Secret("sim-token")),
                http: try HTTPClient(options: HTTPClientOptions(totalTimeout: .seconds(20))),
                pacer: Pacer(requestsPerMinute: 6, clock: FastClock(factor: 20)), logger: logs.logger(),
                retry: RetryPolicy(maxAttempts: 5, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50)),
                                   throttleWait: .milliseconds(200), throttleJitter: .zero))
            let started = ContinuousClock.now
            let (ids, _) = try await scanAll(client, limit: 500)
            let took = ContinuousClock.now - started
            #expect(ids == (await server.allActivityIDs()))
            let log = server.requestLog.filter { $0.path.hasPrefix("/api/v1/activities") }
            let throttled = log.filter { $0.status == 429 }.count
            print("rolling-window catch-up: \(log.count) requests, \(throttled) answered 429, \(took)")
            #expect(throttled == 0)
            #expect(log.count >= 28)
            // 28 requests at 6 per 3 s window: at least four full windows were waited for.
            #expect(took >= .seconds(12))
        }
    }
}
