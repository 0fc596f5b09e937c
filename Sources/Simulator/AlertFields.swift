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
