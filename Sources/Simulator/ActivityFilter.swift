import Foundation

/// One entry of a 400 response's `filters` list.
struct FilterError: Error, Equatable, Sendable {
    var message: String
    var code: String
}

/// Every problem found in a request's `filters` (the 400 body lists them all).
struct FilterErrors: Error, Equatable, Sendable {
    var items: [FilterError]
}

/// A request's `filters`, validated against the documented table and compiled for evaluation.
/// `created` bounds are kept apart so a scan can binary-search the created-sorted store.
struct ActivityFilter {
    /// Inclusive bounds on `created`, from gte/gt/lte/lt.
    var createdLower: Int64 = .min
    var createdUpper: Int64 = .max
    /// The other conditions, AND-combined.
    var predicates: [(StoredActivity) -> Bool] = []

    /// Validates `filters` (a JSON object from JSONSerialization) at time `nowMs`.
    static func compile(_ filters: Any, nowMs: Int64) -> Result<ActivityFilter, FilterErrors> {
        guard let filters = filters as? [String: Any] else {
            return .failure(FilterErrors(items: [FilterError(message: "filters must be a JSON object", code: "FILTER_INVALID_FORMAT")]))
        }
        var result = ActivityFilter()
        var errors: [FilterError] = []
        for field in filters.keys.sorted() {
            guard let allowed = FilterTable.operators[field] else {
                errors.append(FilterError(message: "Unknown filter field: \(field)", code: "FILTER_UNKNOWN_FIELD"))
                continue
            }
            guard let ops = filters[field] as? [String: Any], !ops.isEmpty else {
                errors.append(FilterError(message: "Filter \(field) must be an object of operator to value", code: "FILTER_INVALID_FORMAT"))
                continue
            }
            for op in ops.keys.sorted() {
                guard allowed.contains(op.lowercased()) else {
                    errors.append(FilterError(
                        message: "Operator \(op) is not allowed for filter \(field) (allowed: \(allowed.sorted().joined(separator: ", ")))",
                        code: "FILTER_INVALID_OPERATOR"))
                    continue
                }
                guard FilterTable.evaluated.contains(field), let value = ops[op] else { continue }
                do {
                    try result.add(field: field, op: op.lowercased(), value: value, nowMs: nowMs)
                } catch {
                    errors.append(error)
                }
            }
        }
        return errors.isEmpty ? .success(result) : .failure(FilterErrors(items: errors))
    }

    func matches(_ a: StoredActivity) -> Bool {
        guard a.created >= createdLower, a.created <= createdUpper else { return false }
        for p in predicates where !p(a) { return false }
        return true
    }

    private mutating func add(field: String, op: String, value: Any, nowMs: Int64) throws(FilterError) {
        switch field {
        case "created":
            try addTime(op: op, value: value, field: field, nowMs: nowMs) { $0.created }
        case "date":
            try addTime(op: op, value: value, field: field, nowMs: nowMs) { $0.timestamp }
        case "service", "appId":
            let ids = try Set(Self.list(value).map { v throws(FilterError) in try Self.int(v, field: field) })
            predicates.append(op == "eq" ? { ids.contains(Int64($0.appId)) } : { !ids.contains(Int64($0.appId)) })
        case "activity.id":
            let ids = Set(Self.list(value).map { "\($0)" })
            predicates.append { ids.contains($0.id) }
        case "user.username":
            try addUserName(op: op, value: value)
        default:
            break
        }
    }

    private mutating func addUserName(op: String, value: Any) throws(FilterError) {
        // The service compares user names case-insensitively (they are e-mail addresses).
        let names = Self.list(value).compactMap { ($0 as? String)?.lowercased() }
        switch op {
        case "eq": predicates.append { a in a.userName.map { names.contains($0.lowercased()) } ?? false }
        case "neq": predicates.append { a in a.userName.map { !names.contains($0.lowercased()) } ?? true }
        case "startswith":
            predicates.append { a in
                guard let n = a.userName?.lowercased() else { return false }
                return names.contains { n.hasPrefix($0) }
            }
        case "isset", "isnotset":
            guard let flag = value as? Bool else {
                throw FilterError(message: "Filter user.username \(op) expects true or false", code: "FILTER_INVALID_VALUE")
            }
            let wantSet = (op == "isset") == flag
            predicates.append { a in (a.userName != nil) == wantSet }
        default: break
        }
    }

    private mutating func addTime(
        op: String, value: Any, field: String, nowMs: Int64, _ key: @escaping (StoredActivity) -> Int64
    ) throws(FilterError) {
        let dayMs: Int64 = 86_400_000
        let isCreated = field == "created"
        func bound(_ lower: Int64?, _ upper: Int64?) {
            if isCreated {
                if let lower { createdLower = max(createdLower, lower) }
                if let upper { createdUpper = min(createdUpper, upper) }
            } else {
                if let lower { predicates.append { key($0) >= lower } }
                if let upper { predicates.append { key($0) <= upper } }
            }
        }
        switch op {
        case "gte": bound(try Self.int(value, field: field), nil)
        case "gt": bound(try Self.int(value, field: field) + 1, nil)
        case "lte": bound(nil, try Self.int(value, field: field))
        case "lt": bound(nil, try Self.int(value, field: field) - 1)
        case "gte_ndays": bound(nowMs - (try Self.int(value, field: field)) * dayMs, nil)
        case "lte_ndays": bound(nil, nowMs - (try Self.int(value, field: field)) * dayMs)
        case "eq":
            let values = try Set(Self.list(value).map { v throws(FilterError) in try Self.int(v, field: field) })
            predicates.append { values.contains(key($0)) }
        case "range":
            var ranges: [ClosedRange<Int64>] = []
            for item in Self.list(value) {
                guard let r = item as? [String: Any], let s = r["start"], let e = r["end"] else {
                    throw FilterError(message: "Filter \(field) range expects a list of {\"start\": ms, \"end\": ms}", code: "FILTER_INVALID_VALUE")
                }
                let start = try Self.int(s, field: field), end = try Self.int(e, field: field)
                guard start <= end else {
                    throw FilterError(message: "Filter \(field) range has start after end", code: "FILTER_INVALID_VALUE")
                }
                ranges.append(start...end)
            }
            predicates.append { a in ranges.contains { $0.contains(key(a)) } }
        default: break
        }
    }

    /// A list operator's value; a single value is taken as a list of one.
    static func list(_ value: Any) -> [Any] { (value as? [Any]) ?? [value] }

    /// A whole number (JSON number or a string of digits), e.g. a Unix ms timestamp.
    static func int(_ value: Any, field: String) throws(FilterError) -> Int64 {
        if let s = value as? String, let n = Int64(s) { return n }
        if let n = value as? NSNumber, !(value is String) {
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 9.2e18 { return n.int64Value }
        }
        throw FilterError(message: "Filter \(field) expects a whole number, got \(value)", code: "FILTER_INVALID_VALUE")
    }
}
