// libFuzzer round trip for the encoders (Sources/Formats compiled in, ActivityJSON linked):
// fuzzed field values → JSON written here → ActivityJSON's parser → CEF or JSON line under an
// RFC 5424, RFC 3164 or no header → independent readers (the tests' CEF reader,
// Foundation's JSON) → the same fields, on exactly one line of valid UTF-8.
import ActivityJSON
import Foundation

/// Values that break naive writers, picked by a byte with its high bit set.
private let pieces = ["\n", "\r", "\r\n", "|", "=", "\\", "\\=", "\\n", "\u{0}", "\u{7}", "\t", "\u{B}", "\u{C}", "\u{1B}",
                      "\u{7F}", "\u{80}", "\u{85}", "\u{9F}", "\u{A0}", "\u{2028}", "\u{2029}", "🎉", "é", "e\u{301}",
                      "\u{FEFF}", "\"", " key=", "CEF:0|", "::1", "10.0.0.1", ": ", "{", "}"]

/// Reads the record's strings from the input; past the end every read is 0.
private struct FieldReader {
    let bytes: [UInt8]
    var index = 0

    mutating func byte() -> UInt8 {
        defer { index += 1 }
        return index < bytes.count ? bytes[index] : 0
    }

    mutating func string() -> String {
        var text = ""
        for _ in 0..<Int(byte() % 8) {
            let head = byte()
            if head & 0x80 != 0 {
                text += pieces[Int(head & 0x7F) % pieces.count]
            } else {
                let end = min(bytes.count, index + Int(head & 0x3F))
                if index < end { text += String(decoding: bytes[index..<end], as: UTF8.self) }
                index = max(index, end)
            }
        }
        return text
    }
}

/// The string fields of a JSON line that the round trip compares.
private struct JSONFields: Decodable {
    var _id: String, eventTypeName: String, description: String, appName: String
    var values: [String: String] { ["_id": _id, "eventTypeName": eventTypeName, "description": description, "appName": appName] }
}

/// JSON string content: controls, quote and backslash escaped; every other scalar raw or as
/// `\uXXXX` (surrogate pairs above U+FFFF), as the bits of `style` say.
private func jsonString(_ text: String, style: UInt8) -> String {
    var out = "\""
    for (n, scalar) in text.unicodeScalars.enumerated() {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if scalar.value >= 0x20 && (style >> (n % 8)) & 1 == 0 {
                out.unicodeScalars.append(scalar)
            } else if scalar.value > 0xFFFF {
                let v = scalar.value - 0x10000
                out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
            } else {
                out += String(format: "\\u%04X", scalar.value)
            }
        }
    }
    return out + "\""
}

/// What a CEF reader gets back for `text` escaped into at most `limit` bytes.
private func readBack(_ text: String, header: Bool, limit: Int) -> String {
    var used = 0
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        var written = scalar.utf8.count
        var back = scalar
        switch scalar {
        case "\\": written = 2
        case "|" where header, "=" where !header: written = 2
        case "\n", "\r": if header { (written, back) = (1, " ") } else { written = 2 }
        default:
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 { (written, back) = (1, " ") }
        }
        if used + written > limit { break }
        used += written
        out.append(back)
    }
    return String(out)
}

/// The payload after the header `syslog` writes for hostname "h", app "a", local0.info and
/// MSGID `messageID`.
private func payload(_ message: [UInt8], _ syslog: MessageOptions.SyslogFormat, messageID: String = "activity") -> [UInt8] {
    let text = String(decoding: message, as: UTF8.self)
    switch syslog {
    case .rfc5424:
        // <134>1 YYYY-MM-DDThh:mm:ss.sssZ h a - activity - MSG
        let fields = " h a - \(messageID) - "
        check(text.hasPrefix("<134>1 ") && message.count >= 31 + fields.utf8.count, "RFC 5424 header: \(text.prefix(50))")
        let shape = Array("0000-00-00T00:00:00.000Z".utf8)
        let stamp = Array(message[7..<31])
        check(zip(stamp, shape).allSatisfy { got, want in want == 0x30 ? (0x30...0x39).contains(got) : got == want },
              "RFC 5424 timestamp: \(text.prefix(40))")
        check(text.dropFirst(31).hasPrefix(fields), "RFC 5424 header fields: \(text.prefix(60))")
        return Array(message[(31 + fields.utf8.count)...])
    case .rfc3164:
        // <134>Mmm dd hh:mm:ss h a: MSG
        check(text.hasPrefix("<134>") && message.count >= 26, "RFC 3164 header: \(text.prefix(30))")
        check(text.dropFirst(20).hasPrefix(" h a: "), "RFC 3164 header fields: \(text.prefix(30))")
        return Array(message[26...])
    case .none:
        return message
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func encoderRoundTripFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FieldReader(bytes: fuzzInput(data, size))
    let style = reader.byte()
    let capByte = reader.byte()
    let id = reader.string(), type = reader.string(), description = reader.string(), user = reader.string()
    let app = reader.string(), ip = reader.string(), agent = reader.string(), object = reader.string()
    let timestamp = Int64(reader.byte()) << 33 | Int64(reader.byte())
    let raw = "{\"_id\":\(jsonString(id, style: style)),\"timestamp\":\(timestamp),"
        + "\"eventTypeName\":\(jsonString(type, style: style)),\"description\":\(jsonString(description, style: style)),"
        + "\"user\":{\"userName\":\(jsonString(user, style: style))},\"appName\":\(jsonString(app, style: style)),"
        + "\"device\":{\"clientIP\":\(jsonString(ip, style: style)),\"userAgent\":\(jsonString(agent, style: style))},"
        + "\"mainInfo\":{\"eventObjects\":[{\"name\":\(jsonString(object, style: style))}]}}"
    let record: ActivityRecord
    do {
        record = try ActivityRecord.parse(Array(raw.utf8))
    } catch {
        check(false, "valid JSON refused: \(error) in \(raw)")
        return 0
    }
    check(record.id == id && record.eventTypeName == type && record.description == description
          && record.userName == user && record.appName == app && record.clientIP == ip
          && record.userAgent == agent && record.targetObjectNames == [object] && record.timestamp == timestamp,
          "parsed record differs from what was written: \(raw)")
    let expected: [String: String] = ["_id": id, "eventTypeName": type, "description": description, "appName": app]
    for syslog in MessageOptions.SyslogFormat.allCases {
        for format in MessageOptions.Format.allCases {
            for cap in [1 << 20, 200 + Int(capByte) * 8] {
                let encoder = MessageEncoder(options: MessageOptions(
                    format: format, syslog: syslog, hostname: "h", appName: "a", maxMessageBytes: cap))
                var message: [UInt8] = []
                encoder.encode(record, unixMilliseconds: timestamp, into: &message)
                check(message.count <= cap, "\(format)/\(syslog): \(message.count) bytes over the cap \(cap)")
                check(String(validating: message, as: UTF8.self) != nil, "\(format)/\(syslog): not UTF-8")
                check(!hasLineBreak(message), "\(format)/\(syslog): a line break in \(String(decoding: message, as: UTF8.self))")
                let body = payload(message, syslog)
                switch format {
                case .json:
                    // No raw C1 control either (JSON can escape them; CEF turns them into spaces).
                    check(!zip(body, body.dropFirst()).contains { $0 == 0xC2 && (0x80...0x9F).contains($1) },
                          "json/\(syslog): a raw C1 control")
                    guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
                        check(false, "json/\(syslog) cap \(cap): not a JSON object: \(String(decoding: body, as: UTF8.self))")
                        continue
                    }
                    guard cap == 1 << 20 else { continue }
                    // The fields through JSONDecoder: JSONSerialization on Linux drops a raw
                    // U+FEFF that starts a string (a Foundation quirk, not this output's).
                    guard let fields = try? JSONDecoder().decode(JSONFields.self, from: Data(body)) else {
                        check(false, "json/\(syslog): the fields do not decode: \(String(decoding: body, as: UTF8.self))")
                        continue
                    }
                    check(fields.values == expected, "json/\(syslog): fields read back as \(fields.values), not \(expected)")
                case .cef:
                    guard cap == 1 << 20 else { continue }
                    let line: ParsedCEF
                    do {
                        line = try parseCEF(String(decoding: body, as: UTF8.self))
                    } catch {
                        check(false, "cef/\(syslog): unreadable (\(error)): \(String(decoding: body, as: UTF8.self))")
                        continue
                    }
                    let signature = type.isEmpty ? CEFEncoder.unspecifiedSignature : type
                    check(line.header[4] == readBack(signature, header: true, limit: CEFLimits.signature), "cef: signature")
                    check(line.header[6] == "0", "cef: severity \(line.header[6])")
                    let fields = [("externalId", id, Int.max), ("msg", description, CEFLimits.message),
                                  ("suser", user, CEFLimits.sourceUser), ("destinationServiceName", app, CEFLimits.destinationServiceName),
                                  ("requestClientApplication", agent, CEFLimits.requestClientApplication),
                                  ("rt", String(timestamp), Int.max), ("cs3", object, CEFLimits.customString)]
                    for (key, value, limit) in fields {
                        let got = line[key]
                        check(got == readBack(value, header: false, limit: limit),
                              "cef: \(key) reads back as \(String(describing: got)), not \(readBack(value, header: false, limit: limit))")
                    }
                }
            }
        }
    }
    checkAlertLines(id: id, title: description, user: user, agent: agent, app: app, raw: raw, timestamp: timestamp, capByte: capByte)
    return 0
}

/// The same fields as an alert (its own CEF encoder, closure lines, MSGID `alert`): one line
/// of valid UTF-8 within the cap, readable CEF with the same externalId, JSON that parses.
private func checkAlertLines(id: String, title: String, user: String, agent: String, app: String, raw: String,
                             timestamp: Int64, capByte: UInt8) {
    let alert = AlertRecord(id: id, timestamp: timestamp, title: title, description: title,
                            entities: [AlertEntity(type: "user", id: user, label: agent), AlertEntity(type: "service", label: app)],
                            policy: AlertEntity(type: "policyRule", id: app, label: title), threatScore: agent,
                            handledByUser: user, url: app, rawJSON: Array(raw.utf8)[...])
    for syslog in MessageOptions.SyslogFormat.allCases {
        for format in MessageOptions.Format.allCases {
            for (cap, closure) in [(1 << 20, false), (1 << 20, true), (200 + Int(capByte) * 8, true)] {
                let encoder = MessageEncoder(options: MessageOptions(
                    format: format, syslog: syslog, hostname: "h", appName: "a", maxMessageBytes: cap))
                var message: [UInt8] = []
                encoder.encode(alert, closure: closure, unixMilliseconds: timestamp, into: &message)
                let what = "alert \(format)/\(syslog) closure \(closure)"
                check(message.count <= cap, "\(what): \(message.count) bytes over the cap \(cap)")
                check(String(validating: message, as: UTF8.self) != nil, "\(what): not UTF-8")
                check(!hasLineBreak(message), "\(what): a line break in \(String(decoding: message, as: UTF8.self))")
                let body = payload(message, syslog, messageID: "alert")
                switch format {
                case .json:
                    check(!zip(body, body.dropFirst()).contains { $0 == 0xC2 && (0x80...0x9F).contains($1) }, "\(what): a raw C1 control")
                    check((try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any], "\(what): not a JSON object")
                case .cef:
                    guard cap == 1 << 20 else { continue }
                    let line = try? parseCEF(String(decoding: body, as: UTF8.self))
                    check(line?["externalId"] == readBack(id, header: false, limit: Int.max),
                          "\(what): externalId reads back as \(String(describing: line?["externalId"]))")
                }
            }
        }
    }
}
