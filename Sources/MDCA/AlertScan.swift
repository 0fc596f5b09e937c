import ActivityJSON

/// The alerts' request plan for one window (PRODUCT §9), a pure value: which request comes
/// next, given the pages accepted so far. Which records are new and how they move the cursor
/// is the alert policy's (Forwarder), not this planner's.
///
/// **Alerts** (`.alerts`): `date` in `[from − overlap, until]`, sorted by `date` asc, 100 a
/// page. After a page that may have more behind it, the next request starts at the last
/// record's `timestamp` T (`date gte T`) and excludes the ids already taken at T with
/// `ID: {neq: [...]}`. The alert table has no `gt` for `date`, and PRODUCT §9 prefers id
/// exclusion to `skip` (which assumes an undocumented stable order inside one millisecond).
/// Past ``maxExcludedIDs`` ids at one T (a request body must stay reasonable), the first
/// `maxExcludedIDs` stay excluded and `skip` counts the rest: correct as long as the service's
/// order inside that millisecond is stable; `maxExcludedIDs: 0` is pure `skip` paging.
///
/// **Closures** (`.closures`): `resolutionDate` in `[from − overlap, until]`, sorted by
/// `date` asc (the only sort fields are `date` and `severity`), paged the same way on `date`.
public struct AlertScan: PageSource {
    public enum Kind: String, Sendable {
        case alerts, closures
    }

    /// Default bound of the `ID neq` list: ~27 bytes an id, ~27 KB of request body.
    public static let defaultMaxExcludedIDs = 1000

    public let kind: Kind
    /// The window: `[lowerMs, untilMs]` on `date` (alerts) or `resolutionDate` (closures).
    public let lowerMs: Int64
    public let untilMs: Int64
    public let overlapMs: Int64
    let configured: [String: FilterValue]
    let limit: Int
    let maxExcludedIDs: Int
    let url: String

    /// `date gte` of the next request (nil: closures' first request has no `date` bound).
    private var pageKeyMs: Int64?
    /// Ids received with `timestamp == pageKeyMs`, in the order received.
    private var takenAtKey: [String] = []
    private var takenAtKeySet: Set<String> = []
    private var finished = false

    public private(set) var pageCount = 0

    /// - Parameters:
    ///   - fromMs: the stream's cursor time (alert cursor for `.alerts`, closures cursor for
    ///     `.closures`); the window starts `overlapMs` before it.
    ///   - untilMs: now − settle_time.
    ///   - configuredFilters: `alerts.filters`, already validated against ``AlertFilterTable``.
    ///   - url: the alerts list endpoint (`ScanClient.alertsURL`).
    public init(
        kind: Kind, fromMs: Int64, untilMs: Int64, overlapMs: Int64,
        configuredFilters: [String: FilterValue] = [:], limit: Int = AlertRequest.maxLimit,
        maxExcludedIDs: Int = AlertScan.defaultMaxExcludedIDs, url: String
    ) {
        self.kind = kind
        self.overlapMs = max(overlapMs, 0)
        self.lowerMs = fromMs - self.overlapMs
        self.untilMs = untilMs
        self.configured = configuredFilters
        self.limit = min(max(limit, 1), AlertRequest.maxLimit)
        self.maxExcludedIDs = max(maxExcludedIDs, 0)
        self.url = url
        pageKeyMs = kind == .alerts ? lowerMs : nil
        finished = lowerMs > untilMs
    }

    /// Whether the window was read to its end.
    public var isComplete: Bool { finished }

    public var nextRequest: ListRequest? {
        guard !finished else { return nil }
        var filters = configured
        switch kind {
        case .alerts:
            filters[AlertFilterTable.dateField.name] = .object(["gte": .int(pageKeyMs ?? lowerMs), "lte": .int(untilMs)])
        case .closures:
            filters[AlertFilterTable.resolutionDateField.name] = .object(["gte": .int(lowerMs), "lte": .int(untilMs)])
            if let pageKeyMs { filters[AlertFilterTable.dateField.name] = .object(["gte": .int(pageKeyMs)]) }
        }
        let excluded = takenAtKey.prefix(maxExcludedIDs)
        if !excluded.isEmpty {
            filters[AlertFilterTable.idField.name] = .object(["neq": .array(excluded.map { .string($0) })])
        }
        let json = FilterValue.object(filters).jsonBytes()
        return ListRequest(url: url, filtersJSON: json,
                           body: AlertRequest.body(filtersJSON: json, limit: limit, skip: takenAtKey.count - excluded.count))
    }

    /// Plans the request after `page`. Throws `.stalled` when a page that should continue
    /// brings nothing new (a service ignoring the filters would otherwise be polled forever).
    public mutating func accept(_ page: AlertPage) throws(APIError) {
        guard let request = nextRequest else { return }
        pageCount += 1
        if page.hasNext || page.records.count >= limit {
            try plan(after: page.records, request: request)
        } else {
            finished = true
        }
    }

    /// Moves the page key to the last record's `timestamp`, extending or replacing the set of
    /// ids taken there.
    private mutating func plan(after records: [AlertRecord], request: ListRequest) throws(APIError) {
        guard let key = records.last(where: { $0.timestamp != nil })?.timestamp else {
            finished = true
            throw .stalled(url: url, filters: ScanSession.snippet(request.filtersJSON))
        }
        if let current = pageKeyMs, key < current {
            finished = true
            throw .stalled(url: url, filters: ScanSession.snippet(request.filtersJSON))
        }
        if key != pageKeyMs {
            pageKeyMs = key
            takenAtKey = []
            takenAtKeySet = []
        }
        var added = 0
        for record in records where record.timestamp == key && takenAtKeySet.insert(record.id).inserted {
            takenAtKey.append(record.id)
            added += 1
        }
        if added == 0 {
            finished = true
            throw .stalled(url: url, filters: ScanSession.snippet(request.filtersJSON))
        }
    }
}
