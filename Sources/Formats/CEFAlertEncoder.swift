import ActivityJSON

/// Encodes one alert as a CEF line compatible byte for byte with the retired SIEM agent's
/// alert lines (`samples/siem-agent-cef.txt`, the `|ALERT_` lines; PRODUCT §9):
///
/// `CEF:0|MCAS|SIEM_Agent|<version>|<ALERT_… type>|<title>|<severity>|externalId start end
/// msg suser destinationServiceName cn1Label=riskScore cn1 cs1Label=portalURL cs1
/// cs2Label=uniqueServiceAppIds cs2 cs3Label=relatedAudits cs3 cs4Label=policyIDs cs4`,
/// then `src` (IPv4) or `c6a1Label="Device IPv6 Address" c6a1` (IPv6) only when the alert has
/// an `ip` entity, then `cs5Label=resolutionStatus cs5` on a closure line. The optional keys
/// come last so that an alert without them is exactly the agent's line.
public struct CEFAlertEncoder: Sendable {
    /// The signature of an alert that carries no policy type.
    public static let unspecifiedSignature = "ALERT_UNSPECIFIED"

    /// `policyType` (of the `policyRule` entity, else of `policy`) → the agent's alert type.
    /// Names from Microsoft's alert documentation (`samples/alert-filters.md`); a policy type
    /// not in the table gives `ALERT_<policyType>` (upper case, `[A-Z0-9_]` only), none at
    /// all ``unspecifiedSignature``.
    public static let signatures: [String: String] = [
        "AUDIT": "ALERT_CABINET_EVENT_MATCH_AUDIT",          // activity policy
        "FILE": "ALERT_CABINET_EVENT_MATCH_FILE",            // file policy
        "OBJECT": "ALERT_CABINET_EVENT_MATCH_OBJECT",        // object (e.g. OAuth app) policy
        "INLINE": "ALERT_CABINET_INLINE_EVENT_MATCH",        // session policy
        "SESSION": "ALERT_CABINET_INLINE_EVENT_MATCH",
        "NEW_SERVICE": "ALERT_CABINET_DISCOVERY_NEW_SERVICE", // app discovery policy
        "DISCOVERY": "ALERT_CABINET_DISCOVERY_NEW_SERVICE",
        "DISCOVERY_ANOMALY": "ALERT_DISCOVERY_ANOMALY_DETECTION", // Cloud Discovery anomaly
        "ANOMALY_DETECTION": "ALERT_SUSPICIOUS_ACTIVITY",    // built-in / anomaly detections
    ]

    /// `severityValue` → CEF severity (0–10). The agent's samples (activity-policy alerts,
    /// whose default severity is Low) carry 3.
    public static let severities: [Int64: UInt8] = [
        0: 3, // LOW
        1: 6, // MEDIUM
        2: 8, // HIGH
        3: 1, // INFORMATIONAL
    ]
    /// Severity of an alert without a known `severityValue`.
    public static let defaultSeverity: UInt8 = 3

    /// `resolutionStatusValue` → `cs5` of a closure line.
    public static let resolutionNames: [Int64: String] = [
        0: "OPEN", 1: "DISMISSED", 2: "RESOLVED", 3: "FALSE_POSITIVE", 4: "BENIGN", 5: "TRUE_POSITIVE",
    ]

    /// The activity encoder: its header prefix, app-name table and field writers are shared.
    let fields: CEFEncoder
    let linkPrefix: [UInt8]?        // escaped "<portal>/#/alerts/", nil without portal

    public init(options: CEFOptions) {
        fields = CEFEncoder(options: options)
        var portal = Substring(options.portalURL)
        while portal.hasSuffix("/") { portal = portal.dropLast() }
        if portal.isEmpty {
            linkPrefix = nil
        } else {
            var link: [UInt8] = []
            CEFEscaping.append(portal + "/#/alerts/", .extensionValue, limit: CEFLimits.customString, into: &link)
            linkPrefix = link
        }
    }

    /// Appends the CEF line for `alert` (no newline); `closure` appends its resolution status.
    public func encode(_ alert: AlertRecord, closure: Bool = false, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: fields.headerPrefix)
        CEFEscaping.append(Self.signature(of: alert), .header, limit: CEFLimits.signature, into: &buffer)
        buffer.append(UInt8(ascii: "|"))
        CEFEscaping.append(Self.name(of: alert), .header, limit: CEFLimits.name, into: &buffer)
        buffer.append(UInt8(ascii: "|"))
        Digits.append(Int64(Self.severity(of: alert)), into: &buffer)
        buffer.append(contentsOf: "|externalId=".utf8)
        CEFEscaping.append(alert.id, .extensionValue, limit: Int.max, into: &buffer)
        fields.appendTimestamp(" start=", alert.timestamp, into: &buffer)
        fields.appendTimestamp(" end=", alert.timestamp, into: &buffer)
        fields.appendField(" msg=", alert.description.map(Self.message), limit: CEFLimits.message, into: &buffer)
        fields.appendField(" suser=", Self.user(of: alert), limit: CEFLimits.sourceUser, into: &buffer)
        let service = alert.entity(ofType: "service")
        fields.appendField(" destinationServiceName=", service?.label, limit: CEFLimits.destinationServiceName, into: &buffer)
        fields.appendField(" cn1Label=riskScore cn1=", alert.threatScore, limit: CEFLimits.address, into: &buffer)

        buffer.append(contentsOf: " cs1Label=portalURL cs1=".utf8)
        if let linkPrefix {
            var used = linkPrefix.count
            buffer.append(contentsOf: linkPrefix)
            CEFEscaping.append(alert.id, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer)
        }
        buffer.append(contentsOf: " cs2Label=uniqueServiceAppIds cs2=".utf8)
        if let appId = service?.id, !appId.isEmpty {
            if let name = fields.appNames[appId] {
                buffer.append(contentsOf: name)
            } else {
                var used = 6
                buffer.append(contentsOf: "APPID_".utf8)
                CEFEscaping.append(appId, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer)
            }
        }
        buffer.append(contentsOf: " cs3Label=relatedAudits cs3=".utf8)
        fields.appendJoined(alert.audits, into: &buffer)
        buffer.append(contentsOf: " cs4Label=policyIDs cs4=".utf8)
        fields.appendJoined(Self.policyIDs(of: alert), into: &buffer)

        if let ip = Self.clientIP(of: alert) {
            switch IPAddressKind(literal: ip) {
            case .v4?: fields.appendField(" src=", ip, limit: CEFLimits.address, into: &buffer)
            case .v6?: fields.appendField(" c6a1Label=\"Device IPv6 Address\" c6a1=", ip, limit: CEFLimits.address, into: &buffer)
            case nil: break
            }
        }
        if closure {
            fields.appendField(" cs5Label=resolutionStatus cs5=", Self.resolutionName(of: alert), limit: CEFLimits.customString, into: &buffer)
        }
    }

    // MARK: the mapping, one rule each

    /// The alert type: ``signatures`` of the policy type, else `ALERT_<policyType>`, else
    /// ``unspecifiedSignature``.
    public static func signature(of alert: AlertRecord) -> String {
        let policyType = alert.entities.first { $0.type == "policyRule" && !($0.policyType ?? "").isEmpty }?.policyType
            ?? alert.policy?.policyType
        guard let policyType, !policyType.isEmpty else { return unspecifiedSignature }
        let key = policyType.uppercased()
        if let known = signatures[key] { return known }
        let cleaned = String(key.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": Character(scalar)
            default: "_"
            }
        })
        return "ALERT_" + cleaned
    }

    /// Name: the title (for policy alerts, the policy name), else the signature.
    public static func name(of alert: AlertRecord) -> String {
        if let title = alert.title, !title.isEmpty { return title }
        return signature(of: alert)
    }

    public static func severity(of alert: AlertRecord) -> UInt8 {
        alert.severityValue.flatMap { severities[$0] } ?? defaultSeverity
    }

    /// `msg`: the description without the portal's markup tokens (`__siteIcon__`, any
    /// `__word__`), a space before a removed token going with it.
    public static func message(_ description: String) -> String {
        guard description.contains("__") else { return description }
        var out = ""
        var rest = Substring(description)
        while let open = rest.firstRange(of: "__") {
            let afterOpen = rest[open.upperBound...]
            let word = afterOpen.prefix { $0.isLetter || $0.isNumber }
            let close = afterOpen[word.endIndex...]
            guard !word.isEmpty, close.hasPrefix("__") else {
                out += rest[..<open.upperBound]
                rest = afterOpen
                continue
            }
            var before = rest[..<open.lowerBound]
            let after = close.dropFirst(2)
            if before.hasSuffix(" "), after.isEmpty || after.hasPrefix(" ") { before = before.dropLast() }
            out += before
            rest = after
        }
        return out + rest
    }

    /// suser: the `user` entity (its id, an e-mail address, else its label), else the
    /// `account` entity's principal name, e-mail or label.
    public static func user(of alert: AlertRecord) -> String? {
        if let user = alert.entity(ofType: "user") {
            if let id = user.id, !id.isEmpty { return id }
            if let label = user.label, !label.isEmpty { return label }
        }
        if let account = alert.entity(ofType: "account") {
            for value in [account.principal, account.email, account.label] {
                if let value, !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// cs4: the ids of the `policyRule` entities, else the `policy` object's id.
    public static func policyIDs(of alert: AlertRecord) -> [String] {
        let ids = alert.entities.compactMap { $0.type == "policyRule" ? $0.id : nil }.filter { !$0.isEmpty }
        if !ids.isEmpty { return ids }
        if let id = alert.policy?.id, !id.isEmpty { return [id] }
        return []
    }

    /// The first `ip` entity's address (its id, else its label) that is a valid literal.
    public static func clientIP(of alert: AlertRecord) -> String? {
        for entity in alert.entities where entity.type == "ip" {
            for value in [entity.id, entity.label] {
                if let value, IPAddressKind(literal: value) != nil { return value }
            }
        }
        return nil
    }

    /// cs5 of a closure line: the resolution status's name, or its number when unknown.
    public static func resolutionName(of alert: AlertRecord) -> String? {
        guard let value = alert.resolutionStatusValue else { return nil }
        return resolutionNames[value] ?? String(value)
    }
}
