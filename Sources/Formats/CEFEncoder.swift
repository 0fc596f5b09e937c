import ActivityJSON

/// Encodes one activity as a CEF line compatible byte for byte with the retired MCAS SIEM
/// agent (Microsoft's documented samples, `samples/siem-agent-cef.txt`).
///
/// The constant parts (header prefix, cs1 link prefix, app names) are escaped once, here; the
/// per-record work appends straight into the caller's buffer without building strings.
public struct CEFEncoder: Sendable {
    /// The signature used when a record has no `eventTypeName`.
    public static let unspecifiedSignature = "EVENT_CATEGORY_UNSPECIFIED"

    let headerPrefix: [UInt8]      // CEF:0|vendor|product|version|
    let linkPrefix: [UInt8]?       // escaped "<portal>/#/audits?activity.id=eq(", nil without portal
    let appNames: [String: [UInt8]] // appId -> escaped "APPID_<NAME>"

    public init(options: CEFOptions) {
        var prefix = Array("CEF:0|".utf8)
        CEFEscaping.append(options.vendor, .header, limit: CEFLimits.vendor, into: &prefix)
        prefix.append(UInt8(ascii: "|"))
        CEFEscaping.append(options.product, .header, limit: CEFLimits.product, into: &prefix)
        prefix.append(UInt8(ascii: "|"))
        CEFEscaping.append(options.version, .header, limit: CEFLimits.version, into: &prefix)
        prefix.append(UInt8(ascii: "|"))
        headerPrefix = prefix

        var portal = Substring(options.portalURL)
        while portal.hasSuffix("/") { portal = portal.dropLast() }
        if portal.isEmpty {
            linkPrefix = nil
        } else {
            var link: [UInt8] = []
            CEFEscaping.append(portal + "/#/audits?activity.id=eq(", .extensionValue,
                               limit: CEFLimits.customString, into: &link)
            linkPrefix = link
        }

        var names: [String: [UInt8]] = [:]
        for (id, name) in options.appNames {
            var escaped: [UInt8] = []
            CEFEscaping.append("APPID_" + name, .extensionValue, limit: CEFLimits.customString, into: &escaped)
            names[id] = escaped
        }
        appNames = names
    }

    /// Appends the CEF line for `record` (no newline) to `buffer`.
    public func encode(_ record: ActivityRecord, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: headerPrefix)
        CEFEscaping.append(Self.signature(of: record), .header, limit: CEFLimits.signature, into: &buffer)
        buffer.append(UInt8(ascii: "|"))
        CEFEscaping.append(Self.name(of: record), .header, limit: CEFLimits.name, into: &buffer)
        // Severity: the agent sent 0 for every activity (alerts carried 3).
        buffer.append(contentsOf: "|0|externalId=".utf8)
        CEFEscaping.append(record.id, .extensionValue, limit: Int.max, into: &buffer)

        // rt, start and end all carry `timestamp` (when the activity happened), as the agent did.
        appendTimestamp(" rt=", record.timestamp, into: &buffer)
        appendTimestamp(" start=", record.timestamp, into: &buffer)
        appendTimestamp(" end=", record.timestamp, into: &buffer)
        appendField(" msg=", record.description, limit: CEFLimits.message, into: &buffer)
        appendField(" suser=", Self.user(of: record), limit: CEFLimits.sourceUser, into: &buffer)
        appendField(" destinationServiceName=", record.appName, limit: CEFLimits.destinationServiceName, into: &buffer)

        let addressKind = record.clientIP.flatMap(IPAddressKind.init(literal:))
        appendField(" dvc=", addressKind == .v4 ? record.clientIP : nil, limit: CEFLimits.address, into: &buffer)
        appendField(" requestClientApplication=", record.userAgent, limit: CEFLimits.requestClientApplication, into: &buffer)

        buffer.append(contentsOf: " cs1Label=portalURL cs1=".utf8)
        if let linkPrefix {
            var used = linkPrefix.count
            buffer.append(contentsOf: linkPrefix)
            if CEFEscaping.append(record.id, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer) {
                CEFEscaping.append(",)", .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer)
            }
        }

        buffer.append(contentsOf: " cs2Label=uniqueServiceAppIds cs2=".utf8)
        if let appId = record.appId, !appId.isEmpty {
            if let name = appNames[appId] {
                buffer.append(contentsOf: name)
            } else {
                var used = 6
                buffer.append(contentsOf: "APPID_".utf8)
                CEFEscaping.append(appId, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer)
            }
        }

        buffer.append(contentsOf: " cs3Label=targetObjects cs3=".utf8)
        appendJoined(record.targetObjectNames, into: &buffer)
        buffer.append(contentsOf: " cs4Label=policyIDs cs4=".utf8)
        appendJoined(record.policyIDs, into: &buffer)

        buffer.append(contentsOf: " c6a1Label=\"Device IPv6 Address\" c6a1=".utf8)
        if addressKind == .v6, let ip = record.clientIP {
            CEFEscaping.append(ip, .extensionValue, limit: CEFLimits.address, into: &buffer)
        }
    }

    @inline(__always)
    func appendField(_ key: StaticString, _ value: String?, limit: Int, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        if let value { CEFEscaping.append(value, .extensionValue, limit: limit, into: &buffer) }
    }

    @inline(__always)
    func appendTimestamp(_ key: StaticString, _ value: Int64?, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        if let value { Digits.append(value, into: &buffer) }
    }

    /// `a,b,c` under one budget (the agent joined with a bare comma, no escaping of commas).
    func appendJoined(_ parts: [String], into buffer: inout [UInt8]) {
        var used = 0
        for (index, part) in parts.enumerated() {
            if index > 0 {
                guard used + 1 <= CEFLimits.customString else { return }
                buffer.append(UInt8(ascii: ","))
                used += 1
            }
            guard CEFEscaping.append(part, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer)
            else { return }
        }
    }

    /// Signature ID: `eventTypeName`, else `EVENT_CATEGORY_UNSPECIFIED`.
    public static func signature(of record: ActivityRecord) -> String {
        if let type = record.eventTypeName, !type.isEmpty { return type }
        return unspecifiedSignature
    }

    /// Name: the activity's display name, as the agent showed it ("Log out", "View report").
    /// `description_metadata.event_category` when present; else the part of `description`
    /// before the first `": "` (descriptions read "View report: ServiceNow Report 23"); else
    /// the whole description; else the signature.
    public static func name(of record: ActivityRecord) -> Substring {
        if let category = record.eventCategory, !category.isEmpty { return Substring(category) }
        if let description = record.description, !description.isEmpty {
            let utf8 = description.utf8
            var index = utf8.startIndex
            while index != utf8.endIndex {
                let next = utf8.index(after: index)
                if utf8[index] == UInt8(ascii: ":"), next != utf8.endIndex, utf8[next] == UInt8(ascii: " ") {
                    if index != utf8.startIndex { return description[..<index] }
                    break
                }
                index = next
            }
            return Substring(description)
        }
        return Substring(signature(of: record))
    }

    /// suser: `user.userName`, else `failedUserData.userName` (failed log-ons carry the user
    /// there and a SIEM correlating brute force needs it).
    public static func user(of record: ActivityRecord) -> String? {
        if let name = record.userName, !name.isEmpty { return name }
        return record.failedUserName
    }
}
