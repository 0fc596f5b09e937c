/// One activity as the forwarder needs it: the few fields the CEF mapping reads, plus the
/// record's original JSON for the `json` output format.
///
/// Records are loosely typed in the wild (PRODUCT §2): the same field can be a number in one
/// record and a string in another, or `null`. Scalar fields therefore hold the value's *text*:
/// a JSON string's decoded value, a number's literal text, `true`/`false`; `nil` for `null`,
/// a missing key, an object or an array. Nothing here ever fails a page.
public struct ActivityRecord: Sendable, Equatable {
    /// `_id` (a string, or a number's text); "" when absent.
    public var id: String
    /// `created` in Unix ms (a number, or a string of digits); nil when absent or unusable.
    public var created: Int64?
    /// `timestamp` in Unix ms; nil when absent or unusable.
    public var timestamp: Int64?
    /// `eventTypeName`, e.g. `EVENT_CATEGORY_LOGOUT` (the CEF signature id).
    public var eventTypeName: String?
    /// `description_metadata.event_category`, e.g. `Failed log on` (preferred CEF name).
    public var eventCategory: String?
    /// `description`, e.g. `View report: ServiceNow Report 23` (CEF `msg`).
    public var description: String?
    /// `user.userName`.
    public var userName: String?
    /// `failedUserData.userName` (failed log-ons carry the user here, not in `user`).
    public var failedUserName: String?
    /// `appName`, e.g. `Microsoft Exchange Online`.
    public var appName: String?
    /// `appId` as text, e.g. `20893`.
    public var appId: String?
    /// `device.clientIP` (IPv4 or IPv6 text).
    public var clientIP: String?
    /// `device.userAgent`.
    public var userAgent: String?
    /// `mainInfo.eventObjects[].name`, in order; "" for an object without a usable name.
    public var targetObjectNames: [String]
    /// `policies[]`: each element's text, or an object element's `id`/`_id`; in order.
    public var policyIDs: [String]
    /// The record's JSON exactly as received (same keys, order and values), with insignificant
    /// whitespace outside strings removed so that it is always a single line. From `parse`, it
    /// is a slice of the parsed body (no copy; its indices are the body's, so iterate it or use
    /// `startIndex`, never `[0]`) unless the body spanned lines, then a compacted copy.
    public var rawJSON: ArraySlice<UInt8>

    public init(
        id: String, created: Int64? = nil, timestamp: Int64? = nil, eventTypeName: String? = nil,
        eventCategory: String? = nil, description: String? = nil, userName: String? = nil,
        failedUserName: String? = nil, appName: String? = nil, appId: String? = nil,
        clientIP: String? = nil, userAgent: String? = nil, targetObjectNames: [String] = [],
        policyIDs: [String] = [], rawJSON: ArraySlice<UInt8> = []
    ) {
        self.id = id
        self.created = created
        self.timestamp = timestamp
        self.eventTypeName = eventTypeName
        self.eventCategory = eventCategory
        self.description = description
        self.userName = userName
        self.failedUserName = failedUserName
        self.appName = appName
        self.appId = appId
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.targetObjectNames = targetObjectNames
        self.policyIDs = policyIDs
        self.rawJSON = rawJSON
    }
}
