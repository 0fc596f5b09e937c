import ActivityJSON
import Testing

@Suite struct StringTests {
    private func description(of jsonString: String) throws -> String? {
        try ActivityRecord.parse(Array(#"{"description":"#.utf8) + Array(jsonString.utf8) + [UInt8(ascii: "}")]).description
    }

    @Test(arguments: [
        (#""a\"b\\c\/d""#, "a\"b\\c/d"),
        (#""\b\f\n\r\t""#, "\u{8}\u{C}\n\r\t"),
        (#""\u0041\u00e9\u20AC\u0000""#, "Aé€\u{0}"),
        (#""\ud83d\ude00 \uD83D\uDE00""#, "😀 😀"),
        (#""x\ud800y""#, "x\u{FFFD}y"),
        (#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
        (#""\ud83d\u0041""#, "\u{FFFD}A"),
        (#""\ud83d\n""#, "\u{FFFD}\n"),
        (#""\uFEFF\u2028x\uFFFD""#, "\u{FEFF}\u{2028}x\u{FFFD}"),
        (#""Zürich – 東京 😀""#, "Zürich – 東京 😀"),
        (#""""#, ""),
    ])
    func escapesAndNonASCIIDecode(json: String, expected: String) throws {
        #expect(try description(of: json) == expected)
    }

    @Test func invalidUTF8IsRepairedNotRejected() throws {
        let body: [UInt8] = Array(#"{"_id":"a"#.utf8) + [0xFF, 0xC3] + Array(#"","description":"\u00e9"#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8)
        let record = try ActivityRecord.parse(body)
        #expect(record.id == "a\u{FFFD}\u{FFFD}")
        #expect(record.description == "é\u{FFFD}")
        #expect(Array(record.rawJSON) == body)  // raw JSON stays as received
    }

    @Test(arguments: [0, 1, 7, 8, 9, 10_000, 10_007])
    func longStringsAcrossWordBoundaries(length: Int) throws {
        let plain = String(repeating: "a", count: length)
        #expect(try description(of: "\"\(plain)\"") == plain)
        let escaped = String(repeating: "ab\\\"é", count: length / 5 + 1)
        let decoded = String(repeating: "ab\"é", count: length / 5 + 1)
        #expect(try description(of: "\"\(escaped)\"") == decoded)
    }

    @Test func specialByteAfterLongRunIsFound() throws {
        // A quote or a control character at every offset of an 8-byte word.
        for offset in 0..<17 {
            let prefix = String(repeating: "x", count: offset)
            #expect(try description(of: "\"\(prefix)\"") == prefix)
            let bad = Array("{\"description\":\"\(prefix)\u{1}\"}".utf8)
            #expect(throws: ActivityJSONError(offset: 16 + offset, reason: "raw control character 0x1 inside a string (must be escaped)")) {
                try ActivityRecord.parse(bad)
            }
        }
    }
}
