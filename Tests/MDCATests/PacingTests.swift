@testable import MDCA
import Simulator
import Testing

@Test func backoffStaysWithinOneSecondAndFiveMinutes() {
    let backoff = Backoff()
    #expect(backoff.delay(attempt: 1, unit: 0) == .seconds(1))
    #expect(backoff.delay(attempt: 1, unit: 1) == .seconds(1))
    #expect(backoff.delay(attempt: 2, unit: 1) == .seconds(2))
    #expect(backoff.delay(attempt: 4, unit: 1) == .seconds(8))
    #expect(backoff.delay(attempt: 4, unit: 0.5) == .seconds(4.5))
    #expect(backoff.delay(attempt: 9, unit: 1) == .seconds(256))
    #expect(backoff.delay(attempt: 10, unit: 1) == .seconds(300))
    #expect(backoff.delay(attempt: 10_000, unit: 1) == .seconds(300))
    #expect(backoff.delay(attempt: 10_000, unit: 0) == .seconds(1))
    // A random source out of range is clamped, never a wait outside the bounds.
    #expect(backoff.delay(attempt: 3, unit: 7) == .seconds(4))
    #expect(backoff.delay(attempt: 3, unit: -1) == .seconds(1))
}

@Test func thirtyRequestsPerMinuteMakeTheThirtyFirstWaitForTheWindow() async throws {
    let clock = ManualClock()
    let pacer = Pacer(requestsPerMinute: 30, clock: clock)
    for _ in 0..<30 { await pacer.finished(try await pacer.acquire()) }
    #expect(clock.pendingSleepers == 0)

    // The 31st must wait until the first of the 30 was answered a full minute ago, plus the
    // margin for a server counting on a coarser or faster clock.
    let request = Task { try await pacer.acquire(); return clock.now }
    var sleeps = clock.sleeps.makeAsyncIterator()
    let deadline = await sleeps.next()
    #expect(deadline == .seconds(61))
    clock.advance(to: .milliseconds(60_999))
    #expect(clock.pendingSleepers == 1)   // never early
    clock.advance(to: .seconds(61))
    let sentAt = try await request.value
    #expect(sentAt >= .seconds(61))
}

/// Sleeps return at once, moving time to their deadline; `idle` adds gaps between requests.
@Test(arguments: [1, 7, 30, 120])
func neverMoreThanTheLimitInAnyRollingMinute(requestsPerMinute: Int) async throws {
    let clock = SkippingClock()
    let pacer = Pacer(requestsPerMinute: requestsPerMinute, clock: clock)
    var random = SplitMix64(seed: UInt64(requestsPerMinute))
    var instants: [Duration] = []
    var idle = Duration.zero
    for index in 0..<200 {
        // Irregular think time, and a 429 now and then: a catch-up is mostly back to back.
        if random.next() % 4 == 0 {
            let pause = Duration.milliseconds(Int(random.next() % 5_000))
            idle += pause
            try await clock.sleep(for: pause)
        }
        if index % 50 == 49 {
            idle += .seconds(3)
            await pacer.holdOff(until: clock.now + .seconds(3))
        }
        await pacer.finished(try await pacer.acquire())
        instants.append(clock.now)
    }
    // The busiest 60 s window starting at any request.
    let busiest = instants.indices.map { first in
        (count: instants[first...].prefix { $0 < instants[first] + .seconds(60) }.count, start: instants[first])
    }.max { $0.count < $1.count }
    #expect((busiest?.count ?? 0) <= requestsPerMinute, "\(busiest?.count ?? 0) requests in the 60 s from \(String(describing: busiest?.start))")
    // Not much slower than the limit allows either: 200 requests need about 200/N minutes,
    // plus the pauses, plus one spread-out minute after each hold-off.
    #expect(try #require(instants.last) <= idle + .seconds(61 * (200 / requestsPerMinute + 1) + 4 * 60))
}

@Test func afterA429NothingIsSentBeforeTheDeadlineAndThereIsNoBurst() async throws {
    let clock = ManualClock()
    let pacer = Pacer(requestsPerMinute: 30, clock: clock)
    try await pacer.acquire()
    await pacer.holdOff(until: .seconds(10))
    var sleeps = clock.sleeps.makeAsyncIterator()

    let first = Task { try await pacer.acquire() }
    #expect(await sleeps.next() == .seconds(10))
    clock.advance(to: .seconds(10))
    _ = try await first.value
    // Drained: the next one waits for a fresh token (2 s at 30 rpm) instead of bursting 29.
    let second = Task { try await pacer.acquire() }
    #expect(await sleeps.next() == .seconds(12))
    clock.advance(to: .seconds(12))
    _ = try await second.value
}

@Test func retryAfterAcceptsSecondsAndHTTPDates() {
    let now: Int64 = 784_111_777   // Sun, 06 Nov 1994 08:49:37 GMT
    #expect(RetryAfter.parse("120", nowUnixSeconds: now) == .seconds(120))
    #expect(RetryAfter.parse(" 0 ", nowUnixSeconds: now) == .zero)
    #expect(RetryAfter.parse("3\r\n", nowUnixSeconds: now) == .seconds(3))
    #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", nowUnixSeconds: now) == .seconds(30))
    #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:00 GMT", nowUnixSeconds: now) == .zero)
    #expect(RetryAfter.parse("99999999999999999999999", nowUnixSeconds: now) == RetryAfter.maximum)
    #expect(RetryAfter.parse("86400", nowUnixSeconds: now) == RetryAfter.maximum)
    #expect(RetryAfter.parse(nil, nowUnixSeconds: now) == nil)
    #expect(RetryAfter.parse("", nowUnixSeconds: now) == nil)
    #expect(RetryAfter.parse("soon", nowUnixSeconds: now) == nil)
    #expect(RetryAfter.parse("-5", nowUnixSeconds: now) == nil)
    #expect(RetryAfter.parseIMFFixdate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
    #expect(RetryAfter.parseIMFFixdate("Tue, 29 Feb 2028 12:00:00 GMT") == 1_835_438_400)
}

@Test func aThrottleWithoutRetryAfterWaitsSixtySecondsPlusJitter() {
    var policy = RetryPolicy(unit: { 0 }, wallClock: { 0 })
    #expect(policy.throttleDelay(retryAfter: nil) == .seconds(60))
    policy.unit = { 1 }
    #expect(policy.throttleDelay(retryAfter: nil) == .seconds(75))
    #expect(policy.throttleDelay(retryAfter: "7") == .seconds(7))
    #expect(policy.throttleDelay(retryAfter: "garbage") == .seconds(75))
}

/// A reload that lowers `requests_per_minute` keeps the last minute counted: the requests
/// already sent count against the new limit instead of a fresh window starting over.
@Test func aLowerLimitAfterAReloadCountsTheRequestsAlreadySent() async throws {
    let clock = ManualClock()
    let pacer = Pacer(requestsPerMinute: 30, clock: clock)
    for _ in 0..<20 { await pacer.finished(try await pacer.acquire()) }
    pacer.setRequestsPerMinute(10)
    #expect(pacer.requestsPerMinute == 10)

    // 20 requests answered at 0 s: with a limit of 10, the next one waits out the window.
    let request = Task { try await pacer.acquire(); return clock.now }
    var sleeps = clock.sleeps.makeAsyncIterator()
    #expect(await sleeps.next() == .seconds(61))
    clock.advance(to: .seconds(61))
    #expect(try await request.value >= .seconds(61))
}
