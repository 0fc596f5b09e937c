import ActivityJSON

/// The activities' request plan (PRODUCT §2, §3 "Query"): one created-ordered scan, the first
/// request carries the created range, every later one sends the previous page's
/// `nextQueryFilters` back verbatim while `hasNext`.
///
/// Stall guard (PRODUCT §3): when the service hands back a `nextQueryFilters` already seen in
/// this scan (not only the previous page's: an API may cycle through two or more) and no page
/// since then brought a new record, following it again would loop forever: `accept` throws
/// `.stalled` instead.
///
/// "New" is judged against the scan's frontier, the greatest `created` seen and the ids seen
/// at exactly that millisecond (the cursor's own shape), so the memory it takes stays that of
/// one tie set however long the scan.
public struct ScanSession: PageSource {
    private let url: String
    private let limit: Int
    /// The filters of the next request; nil once the scan is complete.
    private var pending: [UInt8]?
    /// Every `nextQueryFilters` followed so far, with the progress count when it was last seen.
    private var seenFilters: [[UInt8]: Int] = [:]
    /// How many pages brought at least one record beyond the frontier.
    private var progress = 0
    private var frontierCreated = Int64.min
    private var frontierIDs: Set<String> = []
    /// Pages accepted so far.
    public private(set) var pageCount = 0

    /// A scan of `url` (the activities list endpoint) starting with `firstFilters`.
    public init(firstFilters: [UInt8], limit: Int, url: String) {
        self.url = url
        self.limit = limit
        self.pending = firstFilters
        seenFilters[firstFilters] = progress
    }

    public var nextRequest: ListRequest? {
        pending.map { ListRequest(url: url, filtersJSON: $0, body: ScanRequest.body(filtersJSON: $0, limit: limit)) }
    }

    public mutating func accept(_ page: ActivityPage) throws(APIError) {
        guard pending != nil else { return }
        pageCount += 1
        guard page.hasNext else {
            pending = nil
            return
        }
        guard let next = page.nextQueryFilters else {
            pending = nil
            throw .invalidPage(url: url, ActivityJSONError(offset: 0, reason: "hasNext is true but nextQueryFilters is missing"))
        }
        var broughtNew = false
        for record in page.records where advanceFrontier(record) { broughtNew = true }
        if broughtNew { progress += 1 }
        if seenFilters[next] == progress {
            pending = nil
            throw .stalled(url: url, filters: Self.snippet(next))
        }
        seenFilters[next] = progress
        pending = next
    }

    /// Whether `record` lies beyond the frontier (and moves it). A record without `created`
    /// counts as one at the frontier's millisecond: new when its id is.
    private mutating func advanceFrontier(_ record: ActivityRecord) -> Bool {
        let created = record.created ?? frontierCreated
        if created > frontierCreated {
            frontierCreated = created
            frontierIDs = [record.id]
            return true
        }
        return created == frontierCreated && frontierIDs.insert(record.id).inserted
    }

    static func snippet(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        return bytes.count > 300 ? text + "…" : text
    }
}
