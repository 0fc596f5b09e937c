/// One alert of the Alerts API (PRODUCT §9, `samples/alert-filters.md`): the fields the CEF
/// mapping and the alert cursors read, plus the record's JSON as received for `format: json`.
///
/// Decoded as leniently as activities: a field of an unexpected type reads as nil (or an empty
/// list), never fails a page. Integers accept a JSON number or a string of digits.
public struct AlertRecord: Sendable, Equatable {
    /// `_id` (a 24-hex ObjectId in every real record; a number's text if one ever comes); "" when absent.
    public var id: String
    /// `timestamp`, Unix ms: when the alert was raised (the alert cursor's key).
    public var timestamp: Int64?
    public var title: String?
    /// `description`; may hold markup tokens such as `__siteIcon__` (the CEF `msg` drops them).
    public var description: String?
    /// `entities`, in order; a non-object element becomes an entity with every member nil.
    public var entities: [AlertEntity]
    /// The top-level `policy` object (`{id, label, policyType, type}`), when present.
    public var policy: AlertEntity?
    /// 0 LOW, 1 MEDIUM, 2 HIGH, 3 INFORMATIONAL.
    public var severityValue: Int64?
    /// 0 UNREAD, 1 READ, 2 ARCHIVED.
    public var statusValue: Int64?
    /// 0 OPEN, 1 DISMISSED, 2 RESOLVED, 3 FALSE_POSITIVE, 4 BENIGN, 5 TRUE_POSITIVE.
    public var resolutionStatusValue: Int64?
    /// `threatScore` as text (CEF `cn1`).
    public var threatScore: String?
    /// `audits`: ids of the related activities, in order.
    public var audits: [String]
    /// `stories` (0 THREAT_DETECTION, 3 DLP, …).
    public var stories: [Int64]
    public var isSystemAlert: Bool?
    /// `handledByUser`; the service writes the STRING "null" for nobody, read here as nil.
    public var handledByUser: String?
    /// `resolveTime`, an ISO-8601 string in the real records (kept as text).
    public var resolveTime: String?
    /// `resolutionDate` (Unix ms) if a record ever carries it (the filter has that name; the
    /// real records carry `resolveTime` instead).
    public var resolutionDate: Int64?
    /// `URL`, the portal deep link.
    public var url: String?
    /// The record's JSON exactly as received (one line), as for ``ActivityRecord/rawJSON``.
    public var rawJSON: ArraySlice<UInt8>

    public init(
        id: String, timestamp: Int64? = nil, title: String? = nil, description: String? = nil,
        entities: [AlertEntity] = [], policy: AlertEntity? = nil, severityValue: Int64? = nil,
        statusValue: Int64? = nil, resolutionStatusValue: Int64? = nil, threatScore: String? = nil,
        audits: [String] = [], stories: [Int64] = [], isSystemAlert: Bool? = nil,
        handledByUser: String? = nil, resolveTime: String? = nil, resolutionDate: Int64? = nil,
        url: String? = nil, rawJSON: ArraySlice<UInt8> = []
    ) {
        self.id = id
        self.timestamp = timestamp
        self.title = title
        self.description = description
        self.entities = entities
        self.policy = policy
        self.severityValue = severityValue
        self.statusValue = statusValue
        self.resolutionStatusValue = resolutionStatusValue
        self.threatScore = threatScore
        self.audits = audits
        self.stories = stories
        self.isSystemAlert = isSystemAlert
        self.handledByUser = handledByUser
        self.resolveTime = resolveTime
        self.resolutionDate = resolutionDate
        self.url = url
        self.rawJSON = rawJSON
    }

    /// When the alert was closed, Unix ms: `resolutionDate` when present, else `resolveTime`
    /// parsed as ISO-8601 (UTC `Z` or an offset); nil when neither is usable.
    public var resolvedAtMs: Int64? {
        if let resolutionDate { return resolutionDate }
        return resolveTime.flatMap(ISO8601Milliseconds.parse)
    }

    /// The first entity of `type` (e.g. `service`), nil when none.
    public func entity(ofType type: String) -> AlertEntity? {
        entities.first { $0.type == type }
    }
}
