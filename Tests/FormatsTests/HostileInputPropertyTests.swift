import ActivityJSON
@testable import Formats
import Testing
import struct Simulator.SplitMix64

/// The simulator's seeded generator (SplitMix64), so that a failure is reproducible from its seed.
typealias SeededGenerator = SplitMix64

/// Strings built from the characters that break naive CEF writers.
func hostileString(_ rng: inout SeededGenerator) -> String {
    let pieces: [String] = ["\n", "\r", "\r\n", "|", "=", "\\", "\\=", "\\n", "\u{0}", "\u{7}", "\t", "\u{1B}",
                            "\u{7F}", "\u{85}", "\u{80}", "\u{9F}", "\u{A0}", "\u{2028}", "\u{2029}", "🎉", "é", "€", "𝄞", " ", " key=",
                            "CEF:0|", "a", "xyz", "1.2.3.4", "::1", "\u{FEFF}", "\u{301}"]
    let long = Int.random(in: 0..<20, using: &rng) == 0
    let count = long ? Int.random(in: 2000...10_000, using: &rng) : Int.random(in: 0...30, using: &rng)
    var text = ""
    for _ in 0..<count { text += pieces.randomElement(using: &rng) ?? "" }
    return text
}

/// The reference semantics, written independently of the byte-level encoder: what each
/// character of the input becomes after escaping, and what a reader gets back.
func referenceEscape(_ scalar: Unicode.Scalar, header: Bool) -> (written: String, readBack: String) {
    switch scalar {
    case "\\": return (#"\\"#, "\\")
    case "|" where header: return (#"\|"#, "|")
    case "=" where !header: return (#"\="#, "=")
    case "\n": return header ? (" ", " ") : (#"\n"#, "\n")
    case "\r": return header ? (" ", " ") : (#"\r"#, "\r")
    case "\u{2028}", "\u{2029}": return (" ", " ")
    default:
        // C0 controls, DEL and the C1 controls (NEL among them).
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return (" ", " ") }
        return (String(scalar), String(scalar))
    }
}

/// What a reader should get back for `input` with `limit` bytes of escaped output.
func expectedReadBack(_ input: String, header: Bool, limit: Int) -> String {
    var used = 0
    var out = ""
    for scalar in input.unicodeScalars {
        let (written, readBack) = referenceEscape(scalar, header: header)
        if used + written.utf8.count > limit { break }
        used += written.utf8.count
        out += readBack
    }
    return out
}

@Suite struct HostileInputPropertyTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyFieldSurvivesRoundTripOnOneLine(_ seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let encoder = MessageEncoder(options: MessageOptions(
            syslog: .none, maxMessageBytes: 1 << 20,
            cef: CEFOptions(vendor: "V|=\\", product: "P\n", version: "1", portalURL: "https://p.example/")))
        for _ in 0..<500 {
            let clientIP = Bool.random(using: &rng) ? hostileString(&rng) : ["10.0.0.1", "fe80::1", "1.2.3"].randomElement(using: &rng) ?? ""
            let record = ActivityRecord(
                id: hostileString(&rng), timestamp: Int64.random(in: 0...4_000_000_000_000, using: &rng),
                eventTypeName: hostileString(&rng), eventCategory: hostileString(&rng),
                description: hostileString(&rng), userName: hostileString(&rng), appName: hostileString(&rng),
                appId: hostileString(&rng), clientIP: clientIP, userAgent: hostileString(&rng),
                targetObjectNames: (0..<Int.random(in: 0...3, using: &rng)).map { _ in hostileString(&rng) },
                policyIDs: (0..<Int.random(in: 0...3, using: &rng)).map { _ in hostileString(&rng) })
            var buffer: [UInt8] = []
            encoder.encode(record, unixMilliseconds: 0, into: &buffer)

            #expect(!buffer.contains(0x0A) && !buffer.contains(0x0D))
            let line = try #require(String(validating: buffer, as: UTF8.self))
            #expect(!line.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" })
            let parsed = try parseCEF(line)
            #expect(parsed.extensions.map(\.key) == agentKeys)

            #expect(parsed.header[1] == expectedReadBack("V|=\\", header: true, limit: 63))
            #expect(parsed.header[2] == "P ")
            let category = record.eventCategory.flatMap { $0.isEmpty ? nil : $0 }
            if let category {
                #expect(parsed.header[5] == expectedReadBack(category, header: true, limit: CEFLimits.name))
            }
            if let type = record.eventTypeName, !type.isEmpty {
                #expect(parsed.header[4] == expectedReadBack(type, header: true, limit: CEFLimits.signature))
            }
            func ext(_ value: String?, _ limit: Int) -> String { expectedReadBack(value ?? "", header: false, limit: limit) }
            #expect(parsed["externalId"] == ext(record.id, .max))
            #expect(parsed["rt"] == String(record.timestamp ?? -1))
            #expect(parsed["msg"] == ext(record.description, CEFLimits.message))
            #expect(parsed["suser"] == ext(CEFEncoder.user(of: record), CEFLimits.sourceUser))
            #expect(parsed["destinationServiceName"] == ext(record.appName, CEFLimits.destinationServiceName))
            #expect(parsed["requestClientApplication"] == ext(record.userAgent, CEFLimits.requestClientApplication))
            #expect(parsed["cs1"] == ext("https://p.example/#/audits?activity.id=eq(\(record.id),)", CEFLimits.customString))
            let appId = record.appId ?? ""
            #expect(parsed["cs2"] == (appId.isEmpty ? "" : ext("APPID_" + appId, CEFLimits.customString)))
            #expect(parsed["cs3"] == ext(record.targetObjectNames.joined(separator: ","), CEFLimits.customString))
            #expect(parsed["cs4"] == ext(record.policyIDs.joined(separator: ","), CEFLimits.customString))
            let kind = IPAddressKind(literal: clientIP)
            #expect(parsed["dvc"] == (kind == .v4 ? clientIP : ""))
            #expect(parsed["c6a1"] == (kind == .v6 ? clientIP : ""))
        }
    }

    @Test(arguments: [MessageOptions.SyslogFormat.rfc5424, .rfc3164, .none])
    func cappedMessagesStayValid(_ syslog: MessageOptions.SyslogFormat) throws {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<300 {
            let cap = Int.random(in: 64...3000, using: &rng)
            let encoder = MessageEncoder(options: MessageOptions(
                syslog: syslog, hostname: hostileString(&rng), appName: hostileString(&rng), maxMessageBytes: cap))
            let record = ActivityRecord(id: hostileString(&rng), description: hostileString(&rng),
                                        userName: hostileString(&rng), userAgent: hostileString(&rng))
            var buffer: [UInt8] = [1, 2, 3] // the encoder appends after what is there
            encoder.encode(record, unixMilliseconds: 1_700_000_000_000, into: &buffer)
            let message = buffer[3...]
            #expect(buffer.prefix(3) == [1, 2, 3])
            #expect(message.count <= cap)
            #expect(!message.contains(0x0A) && !message.contains(0x0D))
            #expect(String(validating: message, as: UTF8.self) != nil)
            // Never a dangling escape at the end of a cut line.
            let trailing = message.reversed().prefix { $0 == 0x5C }.count
            #expect(trailing % 2 == 0)
        }
    }
}
