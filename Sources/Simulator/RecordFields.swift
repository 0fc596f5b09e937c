/// The drawn contents of one activity before serialization.
struct RecordFields {
    var id: String
    var created: Int64
    var timestamp: Int64
    var app: ActivityCatalog.App
    var appName: String
    var kind: ActivityCatalog.EventKind
    var eventTypeName: String
    /// The acting account; `user.userName` except for failed log-ons, which carry it in
    /// `failedUserData.userName` only (as in the real records).
    var account: String
    var displayName: String
    var clientIP: String
    var isIPv6: Bool
    var agent: ActivityCatalog.Agent
    var userAgentRaw: String?
    var place: ActivityCatalog.Place
    var objectName: String
    var description: String
    var policies: [String]
    var userObjectID: String

    var isFailedLogin: Bool { kind.typeName == "EVENT_CATEGORY_FAILED_LOGIN" }
    var userName: String? { isFailedLogin ? nil : account }

    static let tenantID: Int64 = 97_134_000
    static let aadTenantID = "cafe1a16-cafe-dead-beef-1337c3c1d999"

    static func draw(_ rng: inout SplitMix64, created: Int64, timestamp: Int64) -> RecordFields {
        let app = rng.pick(ActivityCatalog.apps)
        let kind = rng.pick(app.kinds)
        let first = rng.pick(ActivityCatalog.firstNames), last = rng.pick(ActivityCatalog.lastNames)
        let user = "\(first).\(last)@\(rng.pick(ActivityCatalog.domains))"
        let isIPv6 = rng.chance(0.15)
        // Documentation ranges only (RFC 5737, RFC 3849): fake data never names a real host.
        let ip = isIPv6
            ? "2001:db8:\(String(rng.int(1...0xffff), radix: 16))::\(String(rng.int(1...0xffff), radix: 16))"
            : "\(rng.pick(["192.0.2", "198.51.100", "203.0.113"])).\(rng.int(1...254))"
        let uuid = rng.uuid()
        let id: String
        switch rng.int(0...19) {
        case 0...11: id = rng.hex(32)
        case 12...16: id = "\(tenantID)_\(app.id)_\(uuid)"
        default: id = "\(created)_\(uuid)"
        }
        let objectName: String
        let description: String
        switch kind.typeName {
        case "EVENT_CATEGORY_DOWNLOAD_FILE":
            objectName = rng.pick(ActivityCatalog.fileNames)
            description = "Download file: \(objectName)"
        case "EVENT_CATEGORY_VIEW_REPORT":
            objectName = "\(app.name) Report \(rng.int(1...99))"
            description = "View report: \(objectName)"
        case "EVENT_CATEGORY_DELETE_OBJECT":
            objectName = rng.hex(16)
            description = "Delete object: \(app.name) Object \(objectName)"
        case "EVENT_CATEGORY_FAILED_LOGIN":
            objectName = "Request ID"
            description = "Failed log on (Failure message: \(rng.pick(["General failure", "Error validating credentials due to invalid username or password."])))"
        case "EVENT_CATEGORY_UNSPECIFIED":
            objectName = rng.pick(ActivityCatalog.fileNames)
            description = kind.operation
        default:
            objectName = app.name
            description = kind.category ?? kind.operation
        }
        let policies = rng.chance(0.1) ? (0..<rng.int(1...3)).map { _ in rng.hex(12) } : []
        let agent = rng.pick(ActivityCatalog.agents)
        return RecordFields(
            id: id, created: created, timestamp: timestamp, app: app, appName: app.name, kind: kind,
            eventTypeName: kind.typeName, account: user,
            displayName: "\(first.prefix(1).uppercased())\(first.dropFirst()) \(last.prefix(1).uppercased())\(last.dropFirst())", clientIP: ip, isIPv6: isIPv6, agent: agent,
            userAgentRaw: rng.chance(0.05) ? nil : agent.raw, place: rng.pick(ActivityCatalog.places),
            objectName: objectName, description: description, policies: policies, userObjectID: uuid)
    }

    /// Puts hostile values into one to three of the fields encoders copy into CEF.
    mutating func makeHostile(_ rng: inout SplitMix64) {
        for _ in 0..<rng.int(1...3) {
            let value = HostileStrings.make(&rng)
            switch rng.int(0...5) {
            case 0: description = value
            case 1: account += value
            case 2: userAgentRaw = value
            case 3: objectName = value
            case 4: appName = value
            default: eventTypeName = value
            }
        }
    }
}
