import ActivityJSON
import Testing

/// Strict RFC 8259: a malformed body throws, naming the byte offset and what was expected.
@Suite struct MalformedTests {
    @Test(arguments: [
        ("", 0, "unexpected end of body"),
        (#"{"data":[]"#, 10, "unexpected end of body"),
        (#"{"data""#, 7, "unexpected end of body, expected ':'"),
        (#"{"data":["abc"#, 13, "unexpected end of body, expected '\"'"),
        (#"{"data":["\u12"#, 14, "unexpected end of body"),
        (#"{"data":[-"#, 10, "unexpected end of body"),
        (#"{"data":[] x"#, 11, "expected ',' or '}'"),
        (#"{"data":[],"hasNext":tru}"#, 21, "invalid literal"),
        (#"{"data":[nul]}"#, 9, "invalid literal"),
        (#"{"data":[{"_id":"a\qb"}]}"#, 18, "invalid escape"),
        ("{\"data\":[{\"_id\":\"a\tb\"}]}", 18, "raw control character"),
        ("{\"data\":[{\"_id\":\"a\nb\"}]}", 18, "raw control character"),
        (#"{"data":[{"_id":"\u12G4"}]}"#, 17, "invalid \\u escape"),
        (#"{"data":[{"created":01}]}"#, 21, "expected ',' or '}'"),
        (#"{"data":[{"created":-}]}"#, 21, "expected a digit"),
        (#"{"data":[{"created":1.}]}"#, 22, "digit after '.'"),
        (#"{"data":[{"created":1e}]}"#, 22, "exponent"),
        (#"{"data":[{"created":.5}]}"#, 20, "expected a value"),
        (#"{"data":[],"total":+1}"#, 19, "expected a value"),
        (#"{"data":[]} x"#, 12, "unexpected data after the page"),
        (#"{"data":[],}"#, 11, "expected a string key"),
        (#"{"data":[1,]}"#, 11, "expected a value"),
        (#"{"data":[{"a" 1}]}"#, 14, "expected ':'"),
        (#"{"data":[{"a":[1 2]}]}"#, 17, "expected ',' or ']'"),
        (#"{"data":[{"_id":"a"}{}]}"#, 20, "expected ',' or ']'"),
        (#"{'data':[]}"#, 1, "expected a string key"),
        ("[]", 0, "expected a JSON object"),
        ("\u{FEFF}{\"data\":[]}", 0, "expected a JSON object"),
        (#"{"data":{}}"#, 8, "expected 'data' to be an array"),
        (#"{"hasNext":false}"#, 0, "no 'data' array"),
    ])
    func malformedPageThrowsAtOffset(body: String, offset: Int, reason: String) throws {
        let error = try #require(throws: ActivityJSONError.self) { try ActivityPage.parse(Array(body.utf8)) }
        #expect(error.offset == offset)
        #expect(error.reason.contains(reason), "reason: \(error.reason)")
        #expect(error.description.hasPrefix("invalid activities page at byte \(offset): "))
    }

    @Test(arguments: ["", " ", #"{"_id":"a"} {}"#, #"{"_id":"a""#, "nan", "[1,2"])
    func malformedRecordThrows(body: String) {
        #expect(throws: ActivityJSONError.self) { try ActivityRecord.parse(Array(body.utf8)) }
    }

    @Test func everyTruncationOfARealPageThrows() throws {
        let body = Samples.page(try Samples.realRecords(), tail: #","hasNext":true,"nextQueryFilters":{"a":[1]},"total":3"#)
        #expect(throws: Never.self) { try ActivityPage.parse(body) }
        // Cutting anywhere leaves an unclosed object: every prefix must throw, none may crash.
        for length in stride(from: 0, to: body.count, by: 7) {
            #expect(throws: ActivityJSONError.self) { try ActivityPage.parse(Array(body[..<length])) }
        }
    }

    @Test(arguments: ["[", #"{"a":"#])
    func depthBombThrowsInsteadOfOverflowing(opener: String) throws {
        let bomb = Array(#"{"data":[{"x":"#.utf8) + Array(String(repeating: opener, count: 200_000).utf8)
        let error = try #require(throws: ActivityJSONError.self) { try ActivityPage.parse(bomb) }
        #expect(error.reason.contains("nesting deeper than 512"))
        // page object, data, record: 3 containers are already open around `x`.
        #expect(error.offset == 14 + 509 * opener.utf8.count)

        let recordBomb = Array(String(repeating: opener, count: 1_000_000).utf8)
        let recordError = try #require(throws: ActivityJSONError.self) { try ActivityRecord.parse(recordBomb) }
        #expect(recordError.offset == 512 * opener.utf8.count)
    }

    @Test func deepButAllowedNestingParses() throws {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let body = Array(#"{"data":[{"_id":"a","x":"#.utf8) + Array(deep.utf8) + Array("}]}".utf8)
        let page = try ActivityPage.parse(body)
        #expect(page.records.map(\.id) == ["a"])
    }

    @Test func mixedNestingBeyondOneWordOfTheContainerStack() throws {
        // 150 alternating levels: the skipper's stack spills past 64 and must still know, on
        // the way out, which closer each level needs.
        let openers = (0..<150).map { $0 % 2 == 0 ? "[" : #"{"a":"# }
        let closers = (0..<150).reversed().map { $0 % 2 == 0 ? "]" : "}" }
        func body(_ closers: [String]) -> [UInt8] {
            Array((#"{"data":[{"x":"# + openers.joined() + "1" + closers.joined() + #","_id":"z"}]}"#).utf8)
        }
        #expect(try ActivityPage.parse(body(closers)).records.map(\.id) == ["z"])
        var swapped = closers
        swapped[80] = swapped[80] == "]" ? "}" : "]"
        let error = try #require(throws: ActivityJSONError.self) { try ActivityPage.parse(body(swapped)) }
        #expect(error.reason.contains("expected ','"))
    }
}
