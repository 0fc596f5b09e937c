import ActivityJSON

/// One created-ordered scan: the first request carries the created range, every later one
/// sends the previous page's `nextQueryFilters` back verbatim while `hasNext` (PRODUCT §2).
///
/// Stall guard (PRODUCT §3): when the service hands back the same `nextQueryFilters` twice in
/// a row and the page brought no record that the previous page did not, following it again
/// would loop forever: `next()` throws `.stalled` instead.
public struct ScanSession: Sendable {
    private let client: ScanClient
    private let limit: Int
    /// The filters of the next request; nil once the scan is complete.
    private var pending: [UInt8]?
    private var previousNext: [UInt8]?
    private var previousIDs: Set<String> = []
    /// Pages fetched so far.
    public private(set) var pageCount = 0

    init(client: ScanClient, firstFilters: [UInt8], limit: Int) {
        self.client = client
        self.limit = limit
        self.pending = firstFilters
    }

    /// The filters the next `next()` will send (nil when the scan is complete).
    public var nextFilters: [UInt8]? { pending }

    /// The next page, or nil when the scan is complete.
    public mutating func next() async throws(APIError) -> ActivityPage? {
        guard let filters = pending else { return nil }
        let page = try await client.fetchPage(filtersJSON: filters, limit: limit)
        pageCount += 1
        let ids = Set(page.records.map(\.id))
        guard page.hasNext else {
            pending = nil
            return page
        }
        guard let next = page.nextQueryFilters else {
            throw .invalidPage(url: client.listURL, ActivityJSONError(offset: 0, reason: "hasNext is true but nextQueryFilters is missing"))
        }
        if next == previousNext, ids.isSubset(of: previousIDs) {
            pending = nil
            throw .stalled(url: client.listURL, filters: Self.snippet(next))
        }
        previousNext = next
        previousIDs = ids
        pending = next
        return page
    }

    static func snippet(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        return bytes.count > 300 ? text + "…" : text
    }
}
