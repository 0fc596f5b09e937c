/// One response of `POST /api/v1/activities/` (PRODUCT §2).
public struct ActivityPage: Sendable, Equatable {
    /// `data`, in the order received.
    public var records: [ActivityRecord]
    /// `hasNext`; false when absent.
    public var hasNext: Bool
    /// `nextQueryFilters` exactly as received (raw JSON bytes, whitespace removed), to be sent
    /// back verbatim as the next request's `filters`; nil when absent or `null`.
    public var nextQueryFilters: [UInt8]?
    /// `total`, when present and numeric.
    public var total: Int?

    public init(records: [ActivityRecord], hasNext: Bool, nextQueryFilters: [UInt8]?, total: Int?) {
        self.records = records
        self.hasNext = hasNext
        self.nextQueryFilters = nextQueryFilters
        self.total = total
    }
}

/// Why a response body is not a usable page. The page is then retried, never skipped.
public struct ActivityJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the body where parsing failed.
    public var offset: Int
    /// What was expected there.
    public var reason: String
    /// What was being parsed: `activities page` (the default), `alerts page`, `alert`.
    public var subject: String

    public init(offset: Int, reason: String, subject: String = "activities page") {
        self.offset = offset
        self.reason = reason
        self.subject = subject
    }

    public var description: String { "invalid \(subject) at byte \(offset): \(reason)" }
}
