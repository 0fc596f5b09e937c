import FlyingFox
import Foundation

extension SimulatorCore {
    /// The portal named in generated alerts' `URL` (a fixed value: records are generated
    /// before the port is known).
    static let alertPortal = "https://simulator.portal.cloudappsecurity.com"

    // MARK: data

    /// The backlog: `options.alerts` alerts over one day from the base time, with ties on
    /// `timestamp` (`tieFraction`), one millisecond holding `alertBurst` of them, and an
    /// `alertClosedFraction` share already closed.
    func generateAlertBacklog(nowMs: Int64) {
        guard options.alerts > 0 else { return }
        let start = options.baseTime ?? nowMs - 86_400_000
        var times = BacklogSchedule.createdTimes(
            count: options.alerts, start: start, end: max(min(start + 86_400_000, nowMs), start + 1),
            tieFraction: options.tieFraction, seed: options.seed ^ AlertGenerator.Stream.schedule.rawValue)
        let burst = min(options.alertBurst, times.count)
        if burst > 0 {
            // The burst takes the place of `burst` alerts in the middle of the backlog.
            let first = (times.count - burst) / 2
            let ms = times[first]
            for index in first..<(first + burst) { times[index] = ms }
            times.sort()
        }
        var closer = SplitMix64(seed: options.seed, stream: AlertGenerator.Stream.closures.rawValue, index: 0)
        let alerts = times.enumerated().map { index, ms in
            var fields = alertGenerator.make(stream: .backlog, index: index, timestamp: ms)
            if closer.chance(options.alertClosedFraction) {
                fields.resolutionStatus = AlertGenerator.closureStatus(&closer)
                fields.resolvedAt = min(ms + Int64(closer.int(60_000...7_200_000)), nowMs)
                fields.handledBy = "admin@contoso.com"
            }
            return fields
        }
        state.withLock { s in
            for fields in alerts { s.alerts.insert(fields) }
        }
    }

    /// `n` new alerts raised at `timestampMs` (now when nil); their ids.
    func addAlerts(_ n: Int, timestampMs: Int64?, nowMs: Int64) -> [String] {
        guard n > 0 else { return [] }
        return state.withLock { s in
            (0..<n).map { _ in
                let fields = alertGenerator.make(stream: .added, index: s.alertsAdded, timestamp: timestampMs ?? nowMs)
                s.alertsAdded += 1
                s.alerts.insert(fields)
                return fields.id
            }
        }
    }

    /// Closes up to `n` open alerts (a seeded pick among the open ones) at `nowMs`; their ids.
    func closeAlerts(_ n: Int, nowMs: Int64) -> [String] {
        guard n > 0 else { return [] }
        return state.withLock { s in
            var open = s.alerts.items.filter { $0.fields.resolutionStatus == 0 }.map(\.id)
            var closed: [String] = []
            while closed.count < n, !open.isEmpty {
                var rng = SplitMix64(seed: options.seed, stream: AlertGenerator.Stream.closures.rawValue, index: UInt64(s.alertsClosed + 1))
                let id = open.remove(at: rng.int(0...(open.count - 1)))
                if s.alerts.close(id: id, status: AlertGenerator.closureStatus(&rng), atMs: nowMs, by: "admin@contoso.com") {
                    s.alertsClosed += 1
                    closed.append(id)
                }
            }
            return closed
        }
    }

    // MARK: requests

    /// The Alerts API routes: list (`POST`/`GET /api/v1/alerts/`) and fetch (`GET
    /// /api/v1/alerts/{id}/`).
    func alerts(_ request: HTTPRequest, alertID: String?) async -> (Int, [UInt8]) {
        if let alertID {
            guard request.method == .GET else { return Self.object(405, ["detail": "Method \"\(request.method.rawValue)\" not allowed."]) }
            guard let alert = state.withLock({ $0.alerts[id: alertID] }) else {
                return Self.object(404, ["detail": "Not found."])
            }
            return (200, alert.json)
        }
        let cap = Self.alertLimitCap(request)
        switch request.method {
        case .GET:
            let skip = Int(request.query["skip"] ?? "") ?? 0
            let limit = Int(request.query["limit"] ?? "") ?? 100
            return alertList(filter: AlertFilter(), skip: max(skip, 0), limit: min(max(limit, 1), cap))
        case .POST:
            let body = (try? await request.bodyData) ?? Data()
            let parsed = body.isEmpty ? [String: Any]() : (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            guard let request = parsed else {
                return Self.object(400, ["error": true, "detail": "JSON parse error: the request body must be a JSON object"])
            }
            let filter: AlertFilter
            switch AlertFilter.compile(request["filters"] ?? [String: Any](), nowMs: Self.nowMs) {
            case .failure(let errors):
                return Self.object(400, ["error": true, "filters": errors.items.map { ["error": $0.message, "errorMessageCode": $0.code] }])
            case .success(let f): filter = f
            }
            guard let limit = try? ActivityFilter.int(request["limit"] ?? 100, field: "limit"), limit >= 1,
                  let skip = try? ActivityFilter.int(request["skip"] ?? 0, field: "skip"), skip >= 0 else {
                return Self.object(400, ["error": true, "errorMessageCode": "INVALID_LIMIT",
                                         "detail": "limit must be a whole number of at least 1 and skip a whole number of at least 0"])
            }
            let sortField = request["sortField"] as? String ?? "date"
            let sortDirection = (request["sortDirection"] as? String ?? "asc").lowercased()
            guard sortField == "date", sortDirection == "asc" else {
                return Self.object(400, ["error": true, "errorMessageCode": "INVALID_SORT",
                                         "detail": "the simulator sorts alerts by date asc only"])
            }
            // With an API token, list requests return at most 100 records (api-introduction.md):
            // a larger limit is clamped, not refused.
            return alertList(filter: filter, skip: Int(skip), limit: min(Int(limit), cap))
        default:
            return Self.object(405, ["detail": "Method \"\(request.method.rawValue)\" not allowed."])
        }
    }

    /// 100 with a legacy token; Entra bearer tokens are not documented to be capped there.
    static func alertLimitCap(_ request: HTTPRequest) -> Int {
        let scheme = request.headers[.authorization]?.split(separator: " ").first?.lowercased()
        return scheme == "token" ? 100 : 5000
    }

    private func alertList(filter: AlertFilter, skip: Int, limit: Int) -> (Int, [UInt8]) {
        let (records, total) = state.withLock { $0.alerts.list(filter, skip: skip, limit: limit) }
        var out: [UInt8] = []
        out.reserveCapacity(records.reduce(64) { $0 + $1.json.count + 1 })
        out.append(contentsOf: #"{"data":["#.utf8)
        for (i, r) in records.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: r.json)
        }
        out.append(contentsOf: #"],"hasNext":"#.utf8)
        out.append(contentsOf: (skip + records.count < total ? "true" : "false").utf8)
        out.append(contentsOf: #","total":"#.utf8)
        out.append(contentsOf: String(total).utf8)
        out.append(UInt8(ascii: "}"))
        return (200, out)
    }
}
