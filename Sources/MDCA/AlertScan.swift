import ActivityJSON
import Checkpoint

/// One pass over the alerts of a window (PRODUCT §9), pure paging logic around an injected
/// fetcher: the core drives it (`next()` until nil), tests feed it fakes.
///
/// **Alerts** (`.alerts`): `date` in `[cursor − overlap, until]`, sorted by `date` asc, 100 a
/// page. After a page that may have more behind it, the next request starts at the last
/// record's `timestamp` T (`date gte T`) and excludes the ids already taken at T with
/// `ID: {neq: [...]}`. The alert table has no `gt` for `date`, and PRODUCT §9 prefers id
/// exclusion to `skip` (which assumes an undocumented stable order inside one millisecond).
/// Past ``maxExcludedIDs`` ids at one T (a request body must stay reasonable), the first
/// `maxExcludedIDs` stay excluded and `skip` counts the rest: correct as long as the service's
/// order inside that millisecond is stable; `maxExcludedIDs: 0` is pure `skip` paging, as
/// issue 14 first described it.
///
/// **Closures** (`.closures`): `resolutionDate` in `[cursor − overlap, until]`, sorted by
/// `date` asc (the only sort fields are `date` and `severity`), paged the same way on `date`.
/// Open records (`resolutionStatusValue` 0, a re-opened alert) are not closures and skipped.
///
/// Records already delivered (in the cursor's tie/recent sets, or earlier in this scan) are
/// left out of the returned pages and counted in ``recordsSkipped``.
public struct AlertScan: Sendable {
    public enum Kind: String, Sendable {
        case alerts, closures
    }

    /// Fetches one list page: the request's `filters` bytes, `limit` and `skip`.
    public typealias PageFetcher = @Sendable (_ filtersJSON: [UInt8], _ limit: Int, _ skip: Int) async throws(APIError) -> AlertPage

    /// One planned request.
    public struct Request: Sendable, Equatable {
        public var filtersJSON: [UInt8]
        public var limit: Int
        public var skip: Int
        /// The filters as text (tests, logs).
        public var filtersText: String { String(decoding: filtersJSON, as: UTF8.self) }
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
    let fetch: PageFetcher
    /// The cursor as it was when the scan began (what was delivered before).
    let known: AlertCursor

    /// `date gte` of the next request (nil: closures' first request has no `date` bound).
    private var pageKeyMs: Int64?
    /// Ids received with `timestamp == pageKeyMs`, in the order received.
    private var takenAtKey: [String] = []
    private var takenAtKeySet: Set<String> = []
    /// Every id returned so far in this scan (a record is returned at most once per scan).
    private var seen: Set<String> = []
    private var finished = false

    public private(set) var pageCount = 0
    /// Records the API sent, duplicates included.
    public private(set) var recordsReceived = 0
    /// Records left out: already delivered, or (closures) not closed.
    public private(set) var recordsSkipped = 0

    /// - Parameters:
    ///   - cursor: the stream's cursor (alert cursor for `.alerts`, closures cursor for `.closures`).
    ///   - untilMs: now − settle_time.
    ///   - overlapMs: `alerts.overlap`.
    ///   - configuredFilters: `alerts.filters`, already validated against ``AlertFilterTable``.
    public init(
        kind: Kind, cursor: AlertCursor, untilMs: Int64, overlapMs: Int64,
        configuredFilters: [String: FilterValue] = [:], limit: Int = AlertRequest.maxLimit,
        maxExcludedIDs: Int = AlertScan.defaultMaxExcludedIDs, url: String, fetch: @escaping PageFetcher
    ) {
        self.kind = kind
        self.known = cursor
        self.overlapMs = max(overlapMs, 0)
        self.lowerMs = cursor.timestampMs - self.overlapMs
        self.untilMs = untilMs
        self.configured = configuredFilters
        self.limit = min(max(limit, 1), AlertRequest.maxLimit)
        self.maxExcludedIDs = max(maxExcludedIDs, 0)
        self.url = url
        self.fetch = fetch
        pageKeyMs = kind == .alerts ? lowerMs : nil
        finished = lowerMs > untilMs
    }

    /// Whether `next()` has returned nil (the window was read to its end).
    public var isComplete: Bool { finished }

    /// The request the next `next()` sends; nil when the scan is complete.
    public var nextRequest: Request? {
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
        return Request(filtersJSON: FilterValue.object(filters).jsonBytes(), limit: limit, skip: takenAtKey.count - excluded.count)
    }

    /// The next page's records that are to be delivered (possibly none), or nil when the
    /// window is read to its end. Throws the fetcher's errors, and `.stalled` when a page
    /// that should continue brings nothing new (a service ignoring the filters would
    /// otherwise be polled forever).
    public mutating func next() async throws(APIError) -> AlertPage? {
        guard let request = nextRequest else { return nil }
        let page = try await fetch(request.filtersJSON, request.limit, request.skip)
        pageCount += 1
        recordsReceived += page.records.count

        var fresh: [AlertRecord] = []
        fresh.reserveCapacity(page.records.count)
        for record in page.records {
            // An alert without an id cannot be recognised again: delivered, never dropped.
            if !record.id.isEmpty {
                guard seen.insert(record.id).inserted, !known.alreadyDelivered(record.id) else {
                    recordsSkipped += 1
                    continue
                }
            }
            if kind == .closures, record.resolutionStatusValue == 0 {
                recordsSkipped += 1
                continue
            }
            fresh.append(record)
        }

        if page.hasNext || page.records.count >= request.limit {
            try plan(after: page.records, request: request)
        } else {
            finished = true
        }
        return AlertPage(records: fresh, hasNext: !finished, total: page.total)
    }

    /// Moves the page key to the last record's `timestamp`, extending or replacing the set of
    /// ids taken there.
    private mutating func plan(after records: [AlertRecord], request: Request) throws(APIError) {
        guard let key = records.last(where: { $0.timestamp != nil })?.timestamp else {
            finished = true
            throw .stalled(url: url, filters: ScanSession.snippet(request.filtersJSON))
        }
        let atKey = records.filter { $0.timestamp == key }.map(\.id)
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
        for id in atKey where takenAtKeySet.insert(id).inserted {
            takenAtKey.append(id)
            added += 1
        }
        if added == 0 {
            finished = true
            throw .stalled(url: url, filters: ScanSession.snippet(request.filtersJSON))
        }
    }

    // MARK: the cursor

    /// How this scan's records move a cursor, as a value a delivery stage can keep after the
    /// scan itself is gone.
    public var cursorRule: AlertCursorRule {
        AlertCursorRule(kind: kind, lowerMs: lowerMs, untilMs: untilMs, overlapMs: overlapMs)
    }

    /// Records a delivered record in `cursor` (call after the output accepted it), see
    /// ``AlertCursorRule/advance(_:past:)``.
    public func advance(_ cursor: inout AlertCursor, past record: AlertRecord) {
        cursorRule.advance(&cursor, past: record)
    }

    /// After `next()` returned nil and every record was delivered: see
    /// ``AlertCursorRule/complete(_:)``. Does nothing while the scan is not complete.
    public func finish(_ cursor: inout AlertCursor) {
        guard finished else { return }
        cursorRule.complete(&cursor)
    }
}

/// How the records of one ``AlertScan`` move its stream's ``AlertCursor``.
public struct AlertCursorRule: Sendable, Equatable {
    public let kind: AlertScan.Kind
    public let lowerMs: Int64
    public let untilMs: Int64
    public let overlapMs: Int64

    /// After `record` was delivered. Alerts move the cursor to their `timestamp` (pages come
    /// in `date` order, so this is safe record by record, like the activities cursor);
    /// closures are remembered at their resolution time clamped into the window, without
    /// moving the cursor (see ``complete(_:)``). A record without an id (or, for alerts, a
    /// timestamp) cannot be placed and changes nothing.
    public func advance(_ cursor: inout AlertCursor, past record: AlertRecord) {
        guard !record.id.isEmpty else { return }
        switch kind {
        case .alerts:
            guard let ts = record.timestamp else { return }
            cursor.advance(id: record.id, timestampMs: ts, overlapMs: overlapMs)
        case .closures:
            let at = min(max(record.resolvedAtMs ?? untilMs, lowerMs), untilMs)
            cursor.remember(id: record.id, atMs: at, overlapMs: overlapMs)
        }
    }

    /// Only once the whole window was read and delivered: closures move their cursor to
    /// `untilMs` (closure pages are in `date` order, not `resolutionDate` order, so nothing
    /// earlier is known to be complete). Alerts: nothing (they moved record by record).
    public func complete(_ cursor: inout AlertCursor) {
        guard kind == .closures else { return }
        cursor.complete(untilMs: untilMs, overlapMs: overlapMs)
    }
}
