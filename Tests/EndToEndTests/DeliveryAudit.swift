import Foundation
import Formats

/// The verdict on one rsyslog input's file: every expected activity exactly once, each line
/// equal to what its record must produce.
struct DeliveryAudit: CustomStringConvertible {
    var channel: String
    var lines = 0
    var missing: [String] = []
    var duplicates: [String] = []
    var unexpected: [String] = []
    /// Lines that are not a parseable message of ours (broken framing, injected lines).
    var unparseable: [String] = []
    /// Payload or field mismatches.
    var mismatches: [String] = []

    var isPerfect: Bool {
        missing.isEmpty && duplicates.isEmpty && unexpected.isEmpty && unparseable.isEmpty && mismatches.isEmpty
    }

    var description: String {
        "\(channel): \(lines) lines, \(missing.count) missing \(missing.prefix(3)), \(duplicates.count) duplicated \(duplicates.prefix(3)), "
            + "\(unexpected.count) unexpected, \(unparseable.count) unparseable \(unparseable.prefix(2).map { $0.prefix(200) }), "
            + "\(mismatches.count) mismatches \(mismatches.prefix(3))"
    }

    /// `raw` (valid UTF-8 JSON, as the simulator serves it) with U+2028/U+2029 as `\u2028`
    /// and `\u2029`: they can only occur inside strings, where the escape means the same.
    static func separatorsEscaped(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            if index + 2 < raw.count, raw[index] == 0xE2, raw[index + 1] == 0x80, raw[index + 2] == 0xA8 || raw[index + 2] == 0xA9 {
                out += Array((raw[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                index += 3
            } else {
                out.append(raw[index])
                index += 1
            }
        }
        return out
    }

    /// Audits `lines` of `channel` against the simulator's records (`records[id]` = the JSON
    /// bytes the simulator serves for that id) and their precomputed CEF expectations.
    init(channel: Pipeline.Channel, lines: [String], records: [String: [UInt8]], cef: [String: ExpectedCEF]) {
        self.channel = channel.name
        self.lines = lines.count
        var seen: [String: Int] = [:]
        for line in lines {
            guard let payload = Pipeline.payload(of: line, channel.payload) else {
                unparseable.append(line)
                continue
            }
            switch channel.payload {
            case .json:
                guard let id = Pipeline.id(of: payload, .json) else { unparseable.append(line); continue }
                seen[id, default: 0] += 1
                guard let raw = records[id] else { unexpected.append(id); continue }
                // The raw record exactly as the API served it: same keys, order, escapes; only
                // U+2028 and U+2029 are written as escapes (PRODUCT §4: JavaScript-based
                // readers take them for line ends).
                if Array(payload.utf8) != Self.separatorsEscaped(raw) {
                    mismatches.append("\(id): JSON line differs from the served record")
                }
            case .cef, .cefAfter3164Header:
                guard let parsed = try? CEFLine(payload), let rawID = parsed["externalId"] else {
                    unparseable.append(line)
                    continue
                }
                let id = CEFLine.unescape(rawID)
                seen[id, default: 0] += 1
                guard let expected = cef[id] else { unexpected.append(id); continue }
                if payload != expected.payload {
                    mismatches.append("\(id): CEF line differs from the Formats encoding of the served record")
                }
                mismatches += expected.mismatches(in: parsed)
                if parsed.header.count != 7 || parsed.header[1] != "MCAS" || parsed.header[2] != "SIEM_Agent" {
                    mismatches.append("\(id): header \(parsed.header.prefix(3))")
                }
            }
        }
        missing = records.keys.filter { seen[$0] == nil }.sorted()
        duplicates = seen.filter { $0.value > 1 }.map(\.key).sorted()
    }
}

/// What the expected records cover, so a run that happened to draw no ties, late arrivals or
/// hostile strings cannot pass silently.
struct Coverage {
    var records = 0
    /// Records sharing their `created` ms with another record.
    var tied = 0
    /// Records created more than 30 minutes after they happened.
    var late = 0
    /// Records whose CEF line needed escaping (`\`, `=`, newline) in a checked field.
    var hostile = 0
    /// Records whose checked CEF field hit its length limit.
    var truncatedFields = 0

    init(records: [String: [UInt8]], cef: [String: ExpectedCEF]) {
        self.records = records.count
        var createdCount: [Int64: Int] = [:]
        var created: [String: Int64] = [:]
        for (id, raw) in records {
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else { continue }
            let c = (object["created"] as? NSNumber)?.int64Value ?? Int64(object["created"] as? String ?? "") ?? 0
            let t = (object["timestamp"] as? NSNumber)?.int64Value ?? 0
            created[id] = c
            createdCount[c, default: 0] += 1
            if c - t > 30 * 60 * 1000 { late += 1 }
        }
        tied = created.values.filter { (createdCount[$0] ?? 0) > 1 }.count
        for expected in cef.values {
            let values = expected.fields.filter { $0.key != "externalId" }.values
            if values.contains(where: { $0.contains("\\") }) { hostile += 1 }
            if values.contains(where: { $0.utf8.count >= CEFLimits.message - 1 }) { truncatedFields += 1 }
        }
    }
}
