import FlyingFox
import Foundation

extension SimulatorCore {
    /// The Activities API routes; every answer is JSON (status, body).
    func activities(_ request: HTTPRequest, activityID: String?) async -> (Int, [UInt8]) {
        if let activityID {
            guard request.method == .GET else { return Self.object(405, ["detail": "Method \"\(request.method.rawValue)\" not allowed."]) }
            guard let record = state.withLock({ $0.store[id: activityID] }) else {
                return Self.object(404, ["detail": "Not found."])
            }
            return (200, record.json)
        }
        switch request.method {
        case .GET:
            let skip = Int(request.query["skip"] ?? "") ?? 0
            let limit = Int(request.query["limit"] ?? "") ?? 100
            return list(filter: ActivityFilter(), skip: max(skip, 0), limit: min(max(limit, 1), 5000), ascending: false)
        case .POST:
            let body = (try? await request.bodyData) ?? Data()
            return post(body: body)
        default:
            return Self.object(405, ["detail": "Method \"\(request.method.rawValue)\" not allowed."])
        }
    }

    private func post(body: Data) -> (Int, [UInt8]) {
        let parsed = body.isEmpty ? [String: Any]() : (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        guard let request = parsed else {
            return Self.object(400, ["error": true, "detail": "JSON parse error: the request body must be a JSON object"])
        }
        let filtersObject = request["filters"] ?? [String: Any]()
        let filter: ActivityFilter
        switch ActivityFilter.compile(filtersObject, nowMs: Self.nowMs) {
        case .failure(let errors):
            return Self.object(400, ["error": true, "filters": errors.items.map { ["error": $0.message, "errorMessageCode": $0.code] }])
        case .success(let f): filter = f
        }
        let isScan = (request["isScan"] as? Bool) ?? false
        let limitValue = request["limit"] ?? (isScan ? 500 : 100)
        let range = isScan ? 500...5000 : 1...5000
        guard let limit = try? ActivityFilter.int(limitValue, field: "limit"), range.contains(Int(limit)) else {
            return Self.object(400, ["error": true, "errorMessageCode": "INVALID_LIMIT",
                                     "detail": "limit must be a whole number in \(range.lowerBound)...\(range.upperBound)"])
        }
        let sortField = request["sortField"] as? String ?? "created"
        let sortDirection = (request["sortDirection"] as? String ?? (isScan ? "asc" : "desc")).lowercased()
        guard sortField == "created", sortDirection == "asc" || sortDirection == "desc" else {
            return Self.object(400, ["error": true, "errorMessageCode": "INVALID_SORT",
                                     "detail": "the simulator sorts by created only (asc or desc)"])
        }
        guard isScan else {
            let skip = (try? ActivityFilter.int(request["skip"] ?? 0, field: "skip")) ?? 0
            return list(filter: filter, skip: Int(max(skip, 0)), limit: Int(limit), ascending: sortDirection == "asc")
        }
        guard sortDirection == "asc" else {
            return Self.object(400, ["error": true, "errorMessageCode": "INVALID_SORT", "detail": "isScan requires sortDirection asc"])
        }
        let page = state.withLock { $0.store.scan(filter, limit: Int(limit)) }
        var next: [UInt8]?
        if let continuation = page.continuation {
            next = Self.nextQueryFilters(filtersObject as? [String: Any] ?? [:], continuation)
        }
        return (200, Self.page(page.records, hasNext: page.continuation != nil, next: next, total: page.total))
    }

    private func list(filter: ActivityFilter, skip: Int, limit: Int, ascending: Bool) -> (Int, [UInt8]) {
        let (records, total) = state.withLock { $0.store.list(filter, skip: skip, limit: limit, ascending: ascending) }
        return (200, Self.page(records, hasNext: skip + records.count < total, next: nil, total: total))
    }

    /// The request's filters with their lower `created` bound replaced, other bounds kept.
    static func nextQueryFilters(_ filters: [String: Any], _ continuation: ActivityStore.Continuation) -> [UInt8] {
        var next = filters
        var created = filters["created"] as? [String: Any] ?? [:]
        created["gte"] = nil
        created["gt"] = nil
        switch continuation {
        case .gte(let ms): created["gte"] = NSNumber(value: ms)
        case .gt(let ms): created["gt"] = NSNumber(value: ms)
        }
        next["created"] = created
        let data = (try? JSONSerialization.data(withJSONObject: next, options: [.sortedKeys])) ?? Data("{}".utf8)
        return [UInt8](data)
    }

    /// `{"data":[…],"hasNext":…,"nextQueryFilters":…,"total":…}` from the cached record bytes.
    static func page(_ records: [StoredActivity], hasNext: Bool, next: [UInt8]?, total: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.reduce(128 + (next?.count ?? 0)) { $0 + $1.json.count + 1 })
        out.append(contentsOf: #"{"data":["#.utf8)
        for (i, r) in records.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: r.json)
        }
        out.append(contentsOf: #"],"hasNext":"#.utf8)
        out.append(contentsOf: (hasNext ? "true" : "false").utf8)
        if let next {
            out.append(contentsOf: #","nextQueryFilters":"#.utf8)
            out.append(contentsOf: next)
        }
        out.append(contentsOf: #","total":"#.utf8)
        out.append(contentsOf: String(total).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func object(_ status: Int, _ object: [String: Any]) -> (Int, [UInt8]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return (status, [UInt8](data))
    }
}
