/// One alert as the simulator keeps it: what its filters evaluate, the values its JSON is
/// rendered from, and that JSON (re-rendered when the alert is closed).
struct StoredAlert: Sendable {
    var fields: AlertFields
    /// Insertion order: the stable order inside one millisecond (the real service's order
    /// there is undocumented; a stable one lets `skip` paging be exercised too).
    var sequence: Int
    var json: [UInt8]

    var id: String { fields.id }
    var timestamp: Int64 { fields.timestamp }

    init(fields: AlertFields, sequence: Int) {
        self.fields = fields
        self.sequence = sequence
        json = fields.serialize()
    }

    /// The list order: `date` (timestamp) ascending, then insertion order.
    static func inListOrder(_ a: StoredAlert, _ b: StoredAlert) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }
}

/// The values of one generated alert, in the shape of `samples/alerts-real.json`.
struct AlertFields: Sendable {
    struct Entity: Sendable {
        var type: String
        var id: EntityID
        var label: String
        var extra: [(String, String)] = []
        var policyType: String?
    }

    enum EntityID: Sendable {
        case string(String)
        case int(Int)
    }

    var id: String
    var timestamp: Int64
    var title: String
    var description: String
    var entities: [Entity]
    var policyID: String
    var policyType: String
    var serviceID: Int
    var ip: String?
    var severity: Int
    var threatScore: Int
    /// Type variance seen in the wild: `threatScore` sent as a string.
    var threatScoreAsString: Bool
    var stories: [Int]
    var audits: [String]
    var contextID: String
    var idValue: Int
    var statusValue: Int
    /// 0 open; 1…5 closed (DISMISSED, RESOLVED, FALSE_POSITIVE, BENIGN, TRUE_POSITIVE).
    var resolutionStatus: Int = 0
    /// When it was closed (Unix ms), rendered as the ISO-8601 `resolveTime`; the
    /// `resolutionDate` filter evaluates it.
    var resolvedAt: Int64?
    var handledBy: String?
    var portal: String

    func serialize() -> [UInt8] {
        var w = JSONWriter(capacity: 1500)
        w.beginObject()
        w.field("_id", id)
        w.field("timestamp", timestamp)
        w.key("entities")
        w.beginArray()
        for entity in entities {
            w.beginObject()
            switch entity.id {
            case .string(let s): w.field("id", s)
            case .int(let i): w.field("id", i)
            }
            w.field("label", entity.label)
            if let policyType = entity.policyType { w.field("policyType", policyType) }
            for (key, value) in entity.extra { w.field(key, value) }
            w.field("type", entity.type)
            w.endObject()
        }
        w.endArray()
        w.field("title", title)
        w.field("description", description)
        w.field("isMarkdown", false)
        w.field("evidence", strings: [])
        w.key("stories")
        w.beginArray()
        for story in stories { w.int(story) }
        w.endArray()
        if !audits.isEmpty { w.field("audits", strings: audits) }
        w.key("policy")
        w.beginObject()
        w.field("id", policyID)
        w.field("label", title)
        w.field("policyType", policyType)
        w.field("type", "policyRule")
        w.endObject()
        w.field("contextId", contextID)
        if threatScoreAsString { w.field("threatScore", String(threatScore)) } else { w.field("threatScore", threatScore) }
        w.field("isSystemAlert", false)
        w.field("idValue", idValue)
        w.field("statusValue", statusValue)
        w.field("severityValue", severity)
        w.field("resolutionStatusValue", resolutionStatus)
        // The service writes the STRING "null" for nobody (alerts-real.json).
        w.field("handledByUser", handledBy ?? "null")
        w.field("comment", "null")
        if let resolvedAt { w.field("resolveTime", ISOTime.string(ms: resolvedAt)) }
        w.field("URL", "\(portal)/#/alerts/\(id)")
        w.endObject()
        return w.bytes
    }
}

/// `2020-07-12T07:48:40.975Z` from Unix ms (the real records' `resolveTime` form).
enum ISOTime {
    static func string(ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = ms - seconds * 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // H. Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)).\(fraction)Z"
    }
}
