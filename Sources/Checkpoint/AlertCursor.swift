import Foundation

/// The alert cursor (PRODUCT §9): `timestamp` ms of the newest delivered alert, the ids
/// delivered at exactly that ms, and every id delivered inside the overlap window behind it.
///
/// Why the recent set: alerts have no `created`; one can become visible some time after its
/// `timestamp`. Each scan re-reads `alerts.overlap` behind the cursor and skips the ids
/// already delivered there (as Cortex XSOAR's fetch does), so a late alert is caught and an
/// early one is not sent twice. The set is bounded by the window and by ``maxRecentIDs``.
///
/// The closures cursor (`resolutions: true`) has the same shape, on `resolutionDate`.
public struct AlertCursor: Sendable, Codable, Equatable {
    /// Alerts: `timestamp` (Unix ms) of the newest delivered alert. Closures: the end of the
    /// last completely read `resolutionDate` window.
    public var timestampMs: Int64
    /// Ids delivered with exactly `timestampMs`.
    public var tieIDs: Set<String>
    /// Id → its cursor time, for every id delivered at or after `timestampMs - overlap`.
    public var recentIDs: [String: Int64]

    /// A hard bound on the recent set (a burst of alerts inside one overlap window): past it,
    /// the oldest entries go. Forgetting one can only cause a duplicate, never a loss.
    public static let maxRecentIDs = 20_000

    public init(timestampMs: Int64, tieIDs: Set<String> = [], recentIDs: [String: Int64] = [:]) {
        self.timestampMs = timestampMs
        self.tieIDs = tieIDs
        self.recentIDs = recentIDs
    }

    /// The cursor of a first start: `nowMs - lookbackMs`, nothing delivered yet.
    public static func start(nowMs: Int64, lookbackMs: Int64) -> AlertCursor {
        AlertCursor(timestampMs: nowMs - lookbackMs)
    }

    /// Whether `id` was already delivered (at the cursor's millisecond or inside the window).
    public func alreadyDelivered(_ id: String) -> Bool {
        tieIDs.contains(id) || recentIDs[id] != nil
    }

    /// Alerts: after delivering an alert raised at `timestampMs`. A newer alert moves the
    /// cursor; an older one (a late alert found in the overlap) is only remembered.
    public mutating func advance(id: String, timestampMs ts: Int64, overlapMs: Int64) {
        recentIDs[id] = ts
        if ts > timestampMs {
            timestampMs = ts
            tieIDs = [id]
            prune(overlapMs: overlapMs)
        } else if ts == timestampMs {
            tieIDs.insert(id)
        }
        if recentIDs.count > Self.maxRecentIDs { prune(overlapMs: overlapMs) }
    }

    /// Closures: after delivering a closure, remembered at `atMs` without moving the cursor
    /// (closure pages are sorted by `date`, not by `resolutionDate`, so a later page may still
    /// hold an earlier closure: only a completed window moves the cursor, ``complete``).
    public mutating func remember(id: String, atMs: Int64, overlapMs: Int64) {
        recentIDs[id] = atMs
        if atMs == timestampMs { tieIDs.insert(id) }
        if recentIDs.count > Self.maxRecentIDs { prune(overlapMs: overlapMs) }
    }

    /// Closures: the window up to `untilMs` was read completely.
    public mutating func complete(untilMs: Int64, overlapMs: Int64) {
        guard untilMs > timestampMs else { return }
        timestampMs = untilMs
        tieIDs = Set(recentIDs.compactMap { $0.value == untilMs ? $0.key : nil })
        prune(overlapMs: overlapMs)
    }

    /// Drops ids older than the overlap window, then the oldest beyond ``maxRecentIDs``.
    public mutating func prune(overlapMs: Int64) {
        let floor = timestampMs - max(overlapMs, 0)
        recentIDs = recentIDs.filter { $0.value >= floor }
        if recentIDs.count > Self.maxRecentIDs {
            let keep = recentIDs.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(Self.maxRecentIDs)
            recentIDs = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

extension AlertCursor {
    private enum CodingKeys: String, CodingKey { case timestampMs, tieIDs, recentIDs }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        timestampMs = try container.decode(Int64.self, forKey: .timestampMs)
        tieIDs = Set(try container.decode([String].self, forKey: .tieIDs))
        recentIDs = try container.decodeIfPresent([String: Int64].self, forKey: .recentIDs) ?? [:]
    }

    /// Sorted tie set; the recent map's keys are sorted by the state file's encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timestampMs, forKey: .timestampMs)
        try container.encode(tieIDs.sorted(), forKey: .tieIDs)
        try container.encode(recentIDs, forKey: .recentIDs)
    }
}

/// The alerts stream's part of the state file (version 2): its cursors and its counters.
public struct AlertStreamState: Sendable, Codable, Equatable {
    /// The alert cursor (`timestamp`).
    public var cursor: AlertCursor
    /// The closures cursor (`resolutionDate`); nil while `alerts.resolutions` was never on.
    public var closures: AlertCursor?
    /// When an alerts pass last reached the present (`last_success_timestamp_seconds`
    /// after a restart); absent in files written before it was kept.
    public var lastSuccessfulPoll: Date?
    public var counters: ForwarderState.Counters

    public init(cursor: AlertCursor, closures: AlertCursor? = nil, lastSuccessfulPoll: Date? = nil, counters: ForwarderState.Counters = .init()) {
        self.cursor = cursor
        self.closures = closures
        self.lastSuccessfulPoll = lastSuccessfulPoll
        self.counters = counters
    }
}
