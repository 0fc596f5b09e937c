@testable import Formats
import Testing

func escaped(_ text: String, _ context: CEFEscaping.Context, limit: Int = .max) -> String {
    var buffer: [UInt8] = []
    CEFEscaping.append(text, context, limit: limit, into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

@Suite struct CEFEscapingTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("a|b", #"a\|b"#),
        (#"back\slash"#, #"back\\slash"#),
        ("a=b", "a=b"),                       // '=' needs no escape in the header
        ("line\nbreak\r!", "line break !"),   // a header cannot carry a newline
        ("\u{0}\u{7}\t\u{1B}\u{7F}", "     "),
        ("a\u{85}b\u{2028}c\u{2029}d", "a b c d"),
        ("c1\u{80}\u{9F}\u{8D}|\u{A0}", #"c1   \|\#u{A0}"#),  // every C1 control; NBSP is text
        ("émoji 🎉 ü", "émoji 🎉 ü"),
    ])
    func header(_ input: String, _ expected: String) {
        #expect(escaped(input, .header) == expected)
    }

    @Test(arguments: [
        ("a=b", #"a\=b"#),
        (#"back\slash"#, #"back\\slash"#),
        ("a|b", "a|b"),                       // '|' needs no escape in extensions
        ("line\nbreak\r!", #"line\nbreak\r!"#),
        ("\u{0}\u{7}\t\u{1B}\u{7F}", "     "),
        ("a\u{85}b\u{2028}c\u{2029}d", "a b c d"),
        ("c1\u{80}\u{9F}\u{8D}=\u{A0}", #"c1   \=\#u{A0}"#),
        (#"\=\n"#, #"\\\=\\n"#),
    ])
    func extensionValue(_ input: String, _ expected: String) {
        #expect(escaped(input, .extensionValue) == expected)
    }

    @Test(arguments: [
        ("abcdef", 3, "abc"),
        ("ab=cd", 3, "ab"),        // "\=" does not fit in the last byte: never half an escape
        ("ab=cd", 4, #"ab\="#),
        ("aé", 2, "a"),            // é is 2 bytes: never half a character
        ("aé", 3, "aé"),
        ("🎉🎉", 7, "🎉"),
        ("a\nb", 2, "a"),
        ("", 0, ""),
    ])
    func truncation(_ input: String, _ limit: Int, _ expected: String) {
        #expect(escaped(input, .extensionValue, limit: limit) == expected)
    }

    @Test func sharedBudgetAcrossParts() {
        var buffer: [UInt8] = []
        var used = 0
        #expect(CEFEscaping.append("abc", .extensionValue, limit: 5, used: &used, into: &buffer))
        #expect(!CEFEscaping.append("d=e", .extensionValue, limit: 5, used: &used, into: &buffer))
        #expect(String(decoding: buffer, as: UTF8.self) == "abcd")
        #expect(used == 4)
    }

    @Test func substringsAreEscapedLikeStrings() {
        let text = "xx|a=b\n"
        #expect(escaped(String(text.dropFirst(2)), .extensionValue) == #"|a\=b\n"#)
        var buffer: [UInt8] = []
        CEFEscaping.append(text.dropFirst(2), .header, limit: 100, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"\|a=b "#)
    }
}

@Suite struct UTF8TruncationTests {
    @Test func everyCutOfAMixedStringIsValidUTF8() {
        let bytes = Array("aé€🎉b".utf8) // 1 + 2 + 3 + 4 + 1 bytes
        var seen: [Int] = []
        for limit in 0...bytes.count {
            let cut = UTF8Truncation.boundary(bytes, limit: limit)
            #expect(cut <= limit)
            #expect(String(validating: bytes[..<cut], as: UTF8.self) != nil)
            seen.append(cut)
        }
        #expect(seen == [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11])
    }

    @Test func truncateInPlaceFromAnOffset() {
        var buffer = Array("prefix|".utf8) + Array("ab€".utf8)
        #expect(UTF8Truncation.truncate(&buffer, from: 7, limit: 4))
        #expect(String(decoding: buffer, as: UTF8.self) == "prefix|ab")
        #expect(!UTF8Truncation.truncate(&buffer, from: 7, limit: 4))
    }
}
