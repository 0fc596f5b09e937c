import FlyingFox
import Foundation
import Synchronization

/// The request handling of the simulator, shared by the HTTP server's connection tasks.
final class SimulatorCore: Sendable {
    let options: SimulatorOptions
    let generator: ActivityGenerator
    let alertGenerator: AlertGenerator
    let state: Mutex<SimulatorState>
    private let clockOrigin = ContinuousClock.now

    init(options: SimulatorOptions) {
        self.options = options
        generator = ActivityGenerator(
            seed: options.seed, lateFraction: options.lateFraction, hostileFraction: options.hostileFraction,
            wildTypes: options.wildTypes, recordBytes: options.recordBytes)
        alertGenerator = AlertGenerator(seed: options.seed, hostileFraction: options.hostileFraction, portal: Self.alertPortal)
        var initial = SimulatorState(faultRNG: SplitMix64(
            seed: options.seed, stream: ActivityGenerator.Stream.faults.rawValue, index: 0))
        initial.bucket = RequestBudget(options)
        state = Mutex(initial)
    }

    /// Monotonic seconds since the core was made (for the bucket and token expiry).
    var monotonicNow: Double {
        let d = ContinuousClock.now - clockOrigin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static var nowMs: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: data

    func generateBacklog(nowMs: Int64) {
        let start = options.baseTime ?? nowMs - 86_400_000
        let times = BacklogSchedule.createdTimes(
            // One day from the base (so a fixed baseTime gives the same data whenever it runs),
            // but never in the future.
            count: options.activities, start: start, end: max(min(start + 86_400_000, nowMs), start + 1),
            tieFraction: options.tieFraction, seed: options.seed)
        let generator = self.generator
        let chunks = max(1, min(64, times.count / 1000))
        let parts = Mutex([[StoredActivity]](repeating: [], count: chunks))
        // Each record has its own random stream, so chunks can be generated in parallel.
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (times.count * c / chunks)..<(times.count * (c + 1) / chunks)
            let part = range.map { generator.make(stream: .backlog, index: $0, created: times[$0]) }
            parts.withLock { $0[c] = part }
        }
        var records = parts.withLock { $0 }.flatMap { $0 }
        records.sort(by: StoredActivity.inScanOrder)
        state.withLock { $0.store.appendSorted(records) }
    }

    /// New records stored now (or, for `tiesWithLast`, at the newest stored `created` ms).
    func add(_ n: Int, late: Bool?, tiesWithLast: Bool, nowMs: Int64) {
        guard n > 0 else { return }
        state.withLock { s in
            let lastCreated = s.store.last?.created
            let created = tiesWithLast ? (lastCreated ?? nowMs) : max(nowMs, lastCreated ?? nowMs)
            for _ in 0..<n {
                let record = generator.make(stream: .added, index: s.addedCount, created: created, late: late)
                s.addedCount += 1
                s.store.insert(record)
            }
        }
    }

    // MARK: requests

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let arrived = Date()
        let response = await route(request)
        state.withLock {
            $0.requestLog.append(RequestRecord(
                time: arrived, method: request.method.rawValue, path: request.path, status: response.statusCode.code))
        }
        return response
    }

    private func route(_ request: HTTPRequest) async -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 4, parts[1] == "oauth2", parts[2] == "v2.0", parts[3] == "token" {
            guard request.method == .POST else { return Responses.json(405, object: ["error": "invalid_request"]) }
            let body = (try? await request.bodyData) ?? Data()
            return tokenEndpoint(body: body)
        }
        guard parts.count >= 3, parts.count <= 4, parts[0] == "api", parts[1] == "v1",
              parts[2] == "activities" || parts[2] == "alerts" else {
            return Responses.html(404)
        }
        return await apiRequest(request, resource: parts[2], id: parts.count == 4 ? parts[3] : nil)
    }

    /// Order of checks: the tenant's throttle, the gateway's faults, authentication, forced
    /// failures (permission), then the route itself.
    /// `resource` is `activities` or `alerts`: both share the tenant's throttle and faults.
    private func apiRequest(_ request: HTTPRequest, resource: String, id: String?) async -> HTTPResponse {
        enum Fault { case html500, html502, truncated, slow }
        if options.arrivalJitter > .zero {
            // The network between client and service: each request takes its own time to
            // arrive, and the service counts it only then.
            try? await Task.sleep(for: options.arrivalJitter * Double.random(in: 0...1))
        }
        let (retry, fault): (Int?, Fault?) = state.withLock { s in
            if let wait = s.bucket?.take(now: monotonicNow) {
                let send = switch options.retryAfter {
                case .always: true
                case .never: false
                case .sometimes: s.faultRNG.chance(0.5)
                }
                return (send ? wait : -1, nil)
            }
            guard s.faultRNG.chance(options.faultRate) else { return (nil, nil) }
            return (nil, [Fault.html500, .html502, .truncated, .slow][s.faultRNG.int(0...3)])
        }
        if let retry {
            return Responses.detail(429, "Request was throttled.",
                                    headers: retry >= 0 ? [(HTTPHeader("Retry-After"), String(retry))] : [])
        }
        switch fault {
        case .html500: return Responses.html(500)
        case .html502: return Responses.html(502)
        case .slow: try? await Task.sleep(for: options.slowResponse)
        case .truncated, nil: break
        }
        if let denied = authenticate(request) { return denied }
        if let forced = state.withLock({ $0.failure }), case .status(let code) = forced {
            return Responses.forced(code)
        }
        let (status, body) = resource == "alerts"
            ? await alerts(request, alertID: id)
            : await activities(request, activityID: id)
        if fault == .truncated, status == 200 {
            // A 200 whose JSON stops half-way (a proxy cut the transfer): the client must retry.
            return Responses.json(status, Array(body.prefix(body.count / 2)))
        }
        return Responses.json(status, body)
    }
}
