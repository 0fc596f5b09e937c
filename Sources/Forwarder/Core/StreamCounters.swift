/// What a stream did since the process started: the figures behind STATUS, the state file's
/// totals and every `/metrics` series of PRODUCT §10.
public struct StreamCounters: Sendable, Equatable {
    /// Records read from the API.
    public var received: UInt64 = 0
    /// Records every output accepted (the checkpoint covers them).
    public var delivered: UInt64 = 0
    /// Records passed over because the cursor already covered them (tie re-listings).
    public var skipped: UInt64 = 0
    public var pages: UInt64 = 0
    /// Records delivered despite a service fault (PRODUCT §3), by reason.
    public var anomalous: [AnomalyReason: UInt64] = [:]
    /// API requests by HTTP status text, `"error"` for no answer (PRODUCT §10).
    public var apiRequests: [String: UInt64] = [:]
    /// 429 answers.
    public var throttled: UInt64 = 0
    /// Records delivered to each output, by the output's name.
    public var sent: [String: UInt64] = [:]
    /// Messages the `max_message_bytes` cap changed: `shortened` (CEF cut, JSON strings
    /// cut and marked) or `replaced` (JSON too large even so: a small stand-in object).
    public var capped: [String: UInt64] = [:]

    public init() {}
}

/// Why a record was a service fault; each is delivered, logged and counted (PRODUCT §3).
public enum AnomalyReason: String, Sendable, CaseIterable {
    /// `created` later than the scan's `lte`: the cursor does not follow it.
    case createdAfterRange = "created_after_range"
    /// `created` before the cursor the scan started from.
    case createdBeforeCursor = "created_before_cursor"
    /// No usable `created`: delivered at the cursor's millisecond.
    case missingCreated = "missing_created"
    /// No `_id`: identified by a digest of its JSON.
    case missingID = "missing_id"
    /// A page with more to come whose records all share one `created` millisecond: the
    /// service cannot page inside a millisecond, so it may skip the rest of it (counted once
    /// per such page; raise `activities.page_size`).
    case millisecondWiderThanPage = "millisecond_wider_than_page"
}
