import Foundation

/// A request's alert `filters`, validated against the documented alert table
/// (`samples/alert-filters.md`) and compiled for evaluation. Unknown fields and operators a
/// field does not have (e.g. `gt` on `date`) are refused with 400, as the service does.
struct AlertFilter {
    /// field → operators (the documented table; the simulator keeps its own copy).
    static let operators: [String: Set<String>] = [
        "entity.entity": ["eq", "neq"], "entity.ip": ["eq", "neq"], "entity.service": ["eq", "neq"],
        "entity.instance": ["eq", "neq"], "entity.policy": ["eq", "neq"], "entity.file": ["eq", "neq"],
        "alertOpen": ["eq"], "severity": ["eq", "neq"], "resolutionStatus": ["eq", "neq"], "read": ["eq"],
        "date": ["lte", "gte", "range", "lte_ndays", "gte_ndays"], "resolutionDate": ["lte", "gte", "range"],
        "risk": ["eq", "neq"], "alertType": ["eq", "neq"], "ID": ["eq", "neq"], "source": ["eq"],
    ]

    /// Inclusive bounds on `timestamp` from `date` gte/lte/ndays (the store binary-searches them).
    var dateLower: Int64 = .min
    var dateUpper: Int64 = .max
    var predicates: [(StoredAlert) -> Bool] = []

    static func compile(_ filters: Any, nowMs: Int64) -> Result<AlertFilter, FilterErrors> {
        guard let filters = filters as? [String: Any] else {
            return .failure(FilterErrors(items: [FilterError(message: "filters must be a JSON object", code: "FILTER_INVALID_FORMAT")]))
        }
        var result = AlertFilter()
        var errors: [FilterError] = []
        for field in filters.keys.sorted() {
            guard let allowed = operators[field] else {
                errors.append(FilterError(message: "Unknown filter field: \(field)", code: "FILTER_UNKNOWN_FIELD"))
                continue
            }
            guard let ops = filters[field] as? [String: Any], !ops.isEmpty else {
                errors.append(FilterError(message: "Filter \(field) must be an object of operator to value", code: "FILTER_INVALID_FORMAT"))
                continue
            }
            for op in ops.keys.sorted() {
                guard allowed.contains(op.lowercased()), let value = ops[op] else {
                    errors.append(FilterError(
                        message: "Operator \(op) is not allowed for filter \(field) (allowed: \(allowed.sorted().joined(separator: ", ")))",
                        code: "FILTER_INVALID_OPERATOR"))
                    continue
                }
                do {
                    try result.add(field: field, op: op.lowercased(), value: value, nowMs: nowMs)
                } catch {
                    errors.append(error)
                }
            }
        }
        return errors.isEmpty ? .success(result) : .failure(FilterErrors(items: errors))
    }

    func matches(_ alert: StoredAlert) -> Bool {
        guard alert.timestamp >= dateLower, alert.timestamp <= dateUpper else { return false }
        for p in predicates where !p(alert) { return false }
        return true
    }

    /// Evaluated: date, resolutionDate, ID, severity, resolutionStatus, alertOpen,
    /// entity.service, entity.ip. The other documented fields are accepted and ignored.
    private mutating func add(field: String, op: String, value: Any, nowMs: Int64) throws(FilterError) {
        switch field {
        case "date":
            try addTime(op: op, value: value, field: field, nowMs: nowMs, isDate: true) { $0.timestamp }
        case "resolutionDate":
            try addTime(op: op, value: value, field: field, nowMs: nowMs, isDate: false) { $0.fields.resolvedAt }
        case "ID":
            let ids = Set(ActivityFilter.list(value).map { "\($0)" })
            predicates.append(op == "eq" ? { ids.contains($0.id) } : { !ids.contains($0.id) })
        case "severity", "resolutionStatus", "entity.service":
            let values = try Set(ActivityFilter.list(value).map { v throws(FilterError) in try ActivityFilter.int(v, field: field) })
            let key: (StoredAlert) -> Int = switch field {
            case "severity": { $0.fields.severity }
            case "resolutionStatus": { $0.fields.resolutionStatus }
            default: { $0.fields.serviceID }
            }
            predicates.append(op == "eq" ? { values.contains(Int64(key($0))) } : { !values.contains(Int64(key($0))) })
        case "entity.ip":
            let ips = Set(ActivityFilter.list(value).compactMap { $0 as? String })
            predicates.append(op == "eq" ? { $0.fields.ip.map(ips.contains) ?? false } : { !($0.fields.ip.map(ips.contains) ?? false) })
        case "alertOpen":
            guard let open = value as? Bool else {
                throw FilterError(message: "Filter alertOpen eq expects true or false", code: "FILTER_INVALID_VALUE")
            }
            predicates.append { ($0.fields.resolutionStatus == 0) == open }
        default:
            break
        }
    }

    private mutating func addTime(
        op: String, value: Any, field: String, nowMs: Int64, isDate: Bool, _ key: @escaping (StoredAlert) -> Int64?
    ) throws(FilterError) {
        let dayMs: Int64 = 86_400_000
        func bound(_ lower: Int64?, _ upper: Int64?) {
            if isDate {
                if let lower { dateLower = max(dateLower, lower) }
                if let upper { dateUpper = min(dateUpper, upper) }
            } else {
                // An open alert has no resolution time and matches no resolutionDate bound.
                if let lower { predicates.append { key($0).map { $0 >= lower } ?? false } }
                if let upper { predicates.append { key($0).map { $0 <= upper } ?? false } }
            }
        }
        switch op {
        case "gte": bound(try ActivityFilter.int(value, field: field), nil)
        case "lte": bound(nil, try ActivityFilter.int(value, field: field))
        case "gte_ndays": bound(nowMs - (try ActivityFilter.int(value, field: field)) * dayMs, nil)
        case "lte_ndays": bound(nil, nowMs - (try ActivityFilter.int(value, field: field)) * dayMs)
        case "range":
            var ranges: [ClosedRange<Int64>] = []
            for item in ActivityFilter.list(value) {
                guard let r = item as? [String: Any], let s = r["start"], let e = r["end"] else {
                    throw FilterError(message: "Filter \(field) range expects a list of {\"start\": ms, \"end\": ms}", code: "FILTER_INVALID_VALUE")
                }
                let start = try ActivityFilter.int(s, field: field), end = try ActivityFilter.int(e, field: field)
                guard start <= end else {
                    throw FilterError(message: "Filter \(field) range has start after end", code: "FILTER_INVALID_VALUE")
                }
                ranges.append(start...end)
            }
            predicates.append { a in key(a).map { t in ranges.contains { $0.contains(t) } } ?? false }
        default: break
        }
    }
}
