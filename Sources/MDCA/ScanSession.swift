import ActivityJSON

/// One created-ordered scan: the first request carries the created range, every later one
/// sends the previous page's `nextQueryFilters` back verbatim while `hasNext` (PRODUCT §2).
///
/// Stall guard (PRODUCT §3): when the service hands back the same `nextQueryFilters` twice in
/// a row and the page brought no record that the previous page did not, following it again
/// would loop forever: `next()` throws `.stalled` instead.
public struct ScanSession: Sendable {
    /// Fetches one page for the given filters bytes and page size.
    public typealias PageFetcher = @Sendable (_ filtersJSON: [UInt8], _ limit: Int) async throws(APIError) -> ActivityPage

    private let fetch: PageFetcher
    private let url: String
    private let limit: Int
    /// The filters of the next request; nil once the scan is complete.
    private var pending: [UInt8]?
    private var previousNext: [UInt8]?
    /// The previous page's ids, hashed only when a stall is suspected (rare).
    private var previousIDs: [String] = []
    /// Pages fetched so far.
    public private(set) var pageCount = 0

    /// A scan whose pages come from `fetch` (`ScanClient.scan` passes its `fetchPage`; tests
    /// and pipelines may pass a fake). `url` names the endpoint in errors.
    public init(firstFilters: [UInt8], limit: Int, url: String, fetch: @escaping PageFetcher) {
        self.fetch = fetch
        self.url = url
        self.limit = limit
        self.pending = firstFilters
    }

    /// The filters the next `next()` will send (nil when the scan is complete).
    public var nextFilters: [UInt8]? { pending }

    /// The next page, or nil when the scan is complete.
    public mutating func next() async throws(APIError) -> ActivityPage? {
        guard let filters = pending else { return nil }
        let page = try await fetch(filters, limit)
        pageCount += 1
        guard page.hasNext else {
            pending = nil
            return page
        }
        guard let next = page.nextQueryFilters else {
            throw .invalidPage(url: url, ActivityJSONError(offset: 0, reason: "hasNext is true but nextQueryFilters is missing"))
        }
        let ids = page.records.map(\.id)
        if next == previousNext, Set(ids).isSubset(of: Set(previousIDs)) {
            pending = nil
            throw .stalled(url: url, filters: Self.snippet(next))
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
