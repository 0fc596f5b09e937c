import ActivityJSON
import Foundation
@testable import Formats
import Testing

/// The payload of a `json` message built with hostname "h" and app "a": from the first `{`.
func jsonPayload(_ message: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    message[(message.firstIndex(of: UInt8(ascii: "{")) ?? message.endIndex)...]
}

func encodeJSON(_ raw: [UInt8], id: String = "id-1", cap: Int = 8192,
                syslog: MessageOptions.SyslogFormat = .rfc5424) -> ArraySlice<UInt8> {
    let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: syslog, hostname: "h", appName: "a",
                                                         maxMessageBytes: cap))
    var buffer: [UInt8] = [1, 2, 3] // the encoder appends after what is there
    encoder.encode(ActivityRecord(id: id, rawJSON: raw[...]), unixMilliseconds: 1_700_000_000_000, into: &buffer)
    return buffer[3...]
}

func parseObject(_ bytes: ArraySlice<UInt8>) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(bytes))
    return try #require(object as? [String: Any])
}

/// PRODUCT §4: a `json` line is always valid UTF-8 JSON (RFC 8259).
@Suite struct JSONLineTests {
    /// 0.4 % of a realistic stream is over the 8 KiB default: before, it was cut mid-text.
    @Test func recordOverTheCapIsShortenedNotCut() throws {
        let long = String(repeating: "Lorem ipsum é 🎉 \\\"quoted\\\" \\u00e9 ", count: 400)
        let raw = Array(#"{"_id":"abc","description":"\#(long)","user":"u@contoso.com","n":5,"list":["short","\#(long)"]}"#.utf8)
        let message = encodeJSON(raw)
        #expect(message.count <= 8192)
        #expect(message.count > 8192 - 100)      // cut to fit, not much more
        let object = try parseObject(jsonPayload(message))
        #expect(object["_id"] as? String == "abc")
        #expect(object["user"] as? String == "u@contoso.com")
        #expect(object["n"] as? Int == 5)
        let description = try #require(object["description"] as? String)
        #expect(description.hasSuffix("…[truncated]"))
        #expect(description.hasPrefix("Lorem ipsum é 🎉 \"quoted\" é "))
        let list = try #require(object["list"] as? [String])
        #expect(list.first == "short")
        #expect(list.last?.hasSuffix("…[truncated]") == true)
    }

    @Test func invalidUTF8BecomesTheReplacementCharacter() throws {
        let raw: [UInt8] = Array(#"{"_id":"a","d":"ok"#.utf8) + [0xFF, 0x78, 0xC3, 0x22, 0x2C, 0x22, 0x65, 0x22, 0x3A, 0x22]
            + [0xED, 0xA0, 0x80] + Array(#"x\ud800y"}"#.utf8)
        let message = encodeJSON(raw)
        #expect(String(validating: message, as: UTF8.self) != nil)
        let object = try parseObject(jsonPayload(message))
        #expect(object["d"] as? String == "ok\u{FFFD}x\u{FFFD}")
        // ED A0 80 (an encoded surrogate) is three ill-formed bytes, as Swift's own decoding says.
        #expect(object["e"] as? String == "\u{FFFD}\u{FFFD}\u{FFFD}x\u{FFFD}y")
    }

    @Test func lineAndParagraphSeparatorsAreEscaped() throws {
        let raw = Array("{\"_id\":\"a\",\"d\":\"one\u{2028}two\u{2029}three\"}".utf8)
        let message = encodeJSON(raw)
        let text = try #require(String(validating: message, as: UTF8.self))
        #expect(!text.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" })
        #expect(text.hasSuffix(#"{"_id":"a","d":"one\u2028two\u2029three"}"#))
        #expect(try parseObject(jsonPayload(message))["d"] as? String == "one\u{2028}two\u{2029}three")
    }

    /// NEL (U+0085) and the other C1 controls end a line for Python's `splitlines`, .NET and
    /// Java's `\R`: escaped inside strings, a space between tokens, never raw (issue 21).
    @Test func c1ControlsAreEscaped() throws {
        let raw = Array("{\"_id\":\"a\",\"d\":\"one\u{85}two\u{80}\u{9F}\u{A0}é\"\u{85}}".utf8)
        let message = encodeJSON(raw, syslog: .none)
        let text = try #require(String(validating: message, as: UTF8.self))
        #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count == 1)
        #expect(text == #"{"_id":"a","d":"one\u0085two\u0080\u009f\#u{A0}é" }"#)
        #expect(try parseObject(jsonPayload(message))["d"] as? String == "one\u{85}two\u{80}\u{9F}\u{A0}é")
    }

    /// The replacement object's `_id` is written by ``JSONString``: the same escapes.
    @Test func replacementIDEscapesC1Controls() throws {
        var buffer: [UInt8] = []
        JSONString.appendEscaped("x\u{85}\u{9F}\u{2028}\n\u{A0}", into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"x\u0085\u009f\u2028\n\#u{A0}"#)
    }

    /// Thousands of keys with numbers cannot be shortened: a small object names the record.
    @Test func recordThatCannotFitIsReplacedByANote() throws {
        let members = (0..<3000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let raw = Array(#"{"_id":"big \"one\"",\#(members)}"#.utf8)
        let message = encodeJSON(raw, id: "big \"one\"")
        #expect(message.count <= 8192)
        let object = try parseObject(jsonPayload(message))
        #expect(object["_id"] as? String == "big \"one\"")
        let note = try #require(object["_mdca_forwarder"] as? String)
        #expect(note.contains("do not fit max_message_bytes (8192)"))
    }

    /// The caller counts and logs what the cap did (`records_shortened` / `records_replaced`).
    @Test func theOutcomeSaysWhatTheCapDid() {
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 480))
        func outcome(_ raw: String) -> MessageEncoder.Outcome {
            var buffer: [UInt8] = []
            return encoder.encode(ActivityRecord(id: "x", rawJSON: Array(raw.utf8)[...]), unixMilliseconds: 0, into: &buffer)
        }
        #expect(outcome(#"{"_id":"x","d":"short"}"#) == .intact)
        #expect(outcome(#"{"_id":"x","d":"\#(String(repeating: "y", count: 1000))"}"#) == .shortened)
        #expect(outcome("{" + (0..<200).map { #""k\#($0)":1"# }.joined(separator: ",") + "}") == .replaced)
    }

    @Test func cleanRecordsAreCopiedAsReceived() {
        let raw = Array(#"{"_id":"a","description":"plain \"ascii\" \\ \/ \u00e9 \ud83c\udf89","n":[1,2.5e3,true,null]}"#.utf8)
        #expect(Array(encodeJSON(raw, syslog: .none)) == raw)
    }
}

/// Random JSON text built to break naive writers: raw invalid UTF-8, raw separators, lone
/// surrogate escapes, control characters, long values, deep nesting, thousands of keys.
struct HostileJSON {
    var rng: SeededGenerator

    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("xyz ".utf8), Array("é".utf8), Array("🎉".utf8), Array("\u{2028}".utf8),
        Array("\u{2029}".utf8), Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u0000"#.utf8),
        Array(#"\ud83c\udf89"#.utf8), Array(#"\ud800"#.utf8), Array(#"\udc00x"#.utf8), Array(#"\u2028"#.utf8),
        [0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80],
        [0xC2, 0x85], [0xC2, 0x80], [0xC2, 0x9F], [0xC2, 0xA0], [0xC2],
        Array("€".utf8), Array("\u{FEFF}".utf8), Array("e\u{301}".utf8), Array(#"\/"#.utf8),
    ]

    mutating func string() -> [UInt8] {
        let long = Int.random(in: 0..<15, using: &rng) == 0
        let count = long ? Int.random(in: 500...6000, using: &rng) : Int.random(in: 0...20, using: &rng)
        var bytes: [UInt8] = [0x22]
        for _ in 0..<count { bytes += Self.pieces.randomElement(using: &rng) ?? [] }
        return bytes + [0x22]
    }

    mutating func value(depth: Int) -> [UInt8] {
        switch Int.random(in: 0..<(depth > 2 ? 4 : 6), using: &rng) {
        case 0, 1: return string()
        case 2: return Array(String(Int.random(in: -1_000_000...1_000_000_000_000, using: &rng)).utf8)
        case 3: return Array(["true", "false", "null", "1.5e-3"].randomElement(using: &rng)?.utf8 ?? "null".utf8)
        case 4: return object(depth: depth + 1, keys: Int.random(in: 0...5, using: &rng))
        default:
            let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth: depth + 1) }
            return [0x5B] + Array(items.joined(separator: [0x2C])) + [0x5D]
        }
    }

    mutating func object(depth: Int, keys: Int) -> [UInt8] {
        var members: [[UInt8]] = []
        for index in 0..<keys {
            let key = Bool.random(using: &rng) ? Array(#""k\#(index)""#.utf8) : Array(string().dropLast()) + Array("\(index)\"".utf8)
            members.append(key + [0x3A] + value(depth: depth))
        }
        return [0x7B] + Array(members.joined(separator: [0x2C])) + [0x7D]
    }

    mutating func record() -> [UInt8] {
        let inner: [UInt8]
        if Int.random(in: 0..<40, using: &rng) == 0 {
            // Thousands of keys with short values: no shortening can make it fit.
            let members = (0..<3000).map { #""k\#($0)":\#(Bool.random(using: &rng) ? "12345" : #""ab ""#)"# }
            inner = Array("{\(members.joined(separator: ","))}".utf8)
        } else {
            inner = object(depth: 0, keys: Int.random(in: 1...25, using: &rng))
        }
        return Array(#"{"_id":"#.utf8) + string() + [0x2C] + inner.dropFirst()
    }
}

@Suite struct JSONLinePropertyTests {
    @Test(arguments: [MessageOptions.SyslogFormat.rfc5424, .rfc3164, .none])
    func everyJSONLineParsesFitsAndIsOneLine(_ syslog: MessageOptions.SyslogFormat) throws {
        var hostile = HostileJSON(rng: SeededGenerator(seed: 7 + UInt64(MessageOptions.SyslogFormat.allCases.firstIndex(of: syslog) ?? 0)))
        var shortened = 0, replaced = 0
        for _ in 0..<300 {
            let raw = hostile.record()
            let cap = Int.random(in: 480...9000, using: &hostile.rng)
            let message = encodeJSON(raw, id: "id \u{2028} \"x\"", cap: cap, syslog: syslog)
            #expect(message.count <= cap)
            #expect(!message.contains(0x0A) && !message.contains(0x0D))
            let text = try #require(String(validating: message, as: UTF8.self))
            #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" })
            let payload = jsonPayload(message)
            let object = try parseObject(payload)
            if object["_mdca_forwarder"] != nil {
                replaced += 1
                #expect(object["_id"] as? String == "id \u{2028} \"x\"")
                continue
            }
            // Shortening keeps every key: compare with the same record without a cap.
            let uncapped = try parseObject(jsonPayload(encodeJSON(raw, cap: 1 << 30, syslog: syslog)))
            #expect(Set(object.keys) == Set(uncapped.keys))
            if payload.count < jsonPayload(encodeJSON(raw, cap: 1 << 30, syslog: syslog)).count { shortened += 1 }
        }
        // The generator does reach both rare paths.
        #expect(shortened > 5)
        #expect(replaced > 0)
    }
}
