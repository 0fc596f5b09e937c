/// Every stored activity in scan order (created asc, `_id` asc), and the paging rules of the
/// real service (PRODUCT §2).
struct ActivityStore: Sendable {
    private(set) var items: [StoredActivity] = []
    private var byID: [String: StoredActivity] = [:]

    var count: Int { items.count }
    var last: StoredActivity? { items.last }

    subscript(id id: String) -> StoredActivity? { byID[id] }

    /// Adds records that are already in scan order and all sort after the current ones.
    mutating func appendSorted(_ records: [StoredActivity]) {
        items.reserveCapacity(items.count + records.count)
        for r in records { insert(r) }
    }

    mutating func insert(_ record: StoredActivity) {
        byID[record.id] = record
        if let last = items.last, StoredActivity.inScanOrder(record, last) {
            let at = lowerBound { StoredActivity.inScanOrder($0, record) }
            items.insert(record, at: at)
        } else {
            items.append(record)
        }
    }

    /// The first index whose element is not `before`.
    private func lowerBound(_ before: (StoredActivity) -> Bool) -> Int {
        var lo = 0, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if before(items[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// How a scan continues after a page that had more matches than its limit.
    enum Continuation: Equatable, Sendable {
        /// The page dropped its tail records sharing the last `created` ms: ask again from there.
        case gte(Int64)
        /// Every record of the page shared one `created` ms, so nothing could be dropped; the
        /// real service's behaviour is undocumented here. The simulator moves past that ms.
        case gt(Int64)
    }

    struct ScanPage: Sendable {
        var records: [StoredActivity]
        var continuation: Continuation?
        var total: Int
    }

    /// One scan page: the first `limit` matches in scan order, minus the tail records that share
    /// the last record's `created` ms when more records match (so none is listed twice, and the
    /// next page, filtered `created >= that ms`, lists them again in full).
    func scan(_ filter: ActivityFilter, limit: Int) -> ScanPage {
        let lo = lowerBound { $0.created < filter.createdLower }
        let hi = filter.createdUpper == .max ? items.count : lowerBound { $0.created <= filter.createdUpper }
        var page: [StoredActivity] = []
        page.reserveCapacity(min(limit, max(hi - lo, 0)))
        var total = 0
        if lo < hi {
            if filter.predicates.isEmpty {
                total = hi - lo
                page.append(contentsOf: items[lo..<min(hi, lo + limit)])
            } else {
                for i in lo..<hi where filter.matches(items[i]) {
                    total += 1
                    if page.count < limit { page.append(items[i]) }
                }
            }
        }
        guard total > limit, let lastCreated = page.last?.created else {
            return ScanPage(records: page, continuation: nil, total: total)
        }
        var keep = page.count
        while keep > 0 && page[keep - 1].created == lastCreated { keep -= 1 }
        if keep == 0 {
            return ScanPage(records: page, continuation: .gt(lastCreated), total: total)
        }
        page.removeSubrange(keep...)
        return ScanPage(records: page, continuation: .gte(lastCreated), total: total)
    }

    /// List mode (no `isScan`): `skip`/`limit` over the matches, newest first unless `ascending`.
    func list(_ filter: ActivityFilter, skip: Int, limit: Int, ascending: Bool) -> (records: [StoredActivity], total: Int) {
        let matches = items.filter { filter.matches($0) }
        let ordered = ascending ? matches : matches.reversed()
        let start = min(skip, ordered.count)
        return (Array(ordered[start..<min(ordered.count, start + limit)]), ordered.count)
    }
}
