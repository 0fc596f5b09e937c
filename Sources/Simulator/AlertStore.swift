/// The stored alerts, kept in list order (`timestamp` asc, then insertion order).
struct AlertStore: Sendable {
    private(set) var items: [StoredAlert] = []
    private var positions: [String: Int] = [:]
    private(set) var nextSequence = 0

    var count: Int { items.count }

    subscript(id id: String) -> StoredAlert? {
        positions[id].map { items[$0] }
    }

    /// Stores an alert at its place in list order.
    mutating func insert(_ fields: AlertFields) {
        let alert = StoredAlert(fields: fields, sequence: nextSequence)
        nextSequence += 1
        // Binary search for the first element after it (its sequence is the largest yet).
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].timestamp <= alert.timestamp { low = mid + 1 } else { high = mid }
        }
        items.insert(alert, at: low)
        if low == items.count - 1 {
            positions[alert.id] = low
        } else {
            for index in low..<items.count { positions[items[index].id] = index }
        }
    }

    /// Closes an open alert at `atMs` with `status`; false when unknown or already closed.
    mutating func close(id: String, status: Int, atMs: Int64, by user: String) -> Bool {
        guard let index = positions[id], items[index].fields.resolutionStatus == 0 else { return false }
        items[index].fields.resolutionStatus = status
        items[index].fields.resolvedAt = atMs
        items[index].fields.handledBy = user
        items[index].json = items[index].fields.serialize()
        return true
    }

    /// A list page: the matching alerts in list order after `skip`, at most `limit`, and how
    /// many match in all.
    func list(_ filter: AlertFilter, skip: Int, limit: Int) -> (records: [StoredAlert], total: Int) {
        // The date bounds narrow the range by binary search; the rest is a linear filter.
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].timestamp < filter.dateLower { low = mid + 1 } else { high = mid }
        }
        var records: [StoredAlert] = []
        var total = 0
        var index = low
        while index < items.count, items[index].timestamp <= filter.dateUpper {
            let alert = items[index]
            if filter.matches(alert) {
                if total >= skip && records.count < limit { records.append(alert) }
                total += 1
            }
            index += 1
        }
        return (records, total)
    }
}
