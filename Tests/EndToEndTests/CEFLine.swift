/// A received CEF line taken apart, independently of the encoder: the seven header fields
/// (split on unescaped `|`) and the extension's key/value pairs, values still escaped.
///
/// Keys are found the way ArcSight parsers find them: a value cannot hold an unescaped `=`, so
/// the text before each unescaped `=` ends with ` key`, and everything between two keys is
/// the previous key's value.
struct CEFLine {
    var header: [String]
    /// Keys in order with their raw (escaped) values.
    var pairs: [(key: String, value: String)]

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// The escaped value of `key` (the first occurrence).
    subscript(key: String) -> String? { pairs.first { $0.key == key }?.value }

    init(_ line: String) throws {
        let bytes = Array(line.utf8)
        guard bytes.starts(with: Array("CEF:0|".utf8)) else { throw Malformed(description: "not CEF: \(line.prefix(80))") }
        var fields: [String] = []
        var start = 0
        var index = 0
        while index < bytes.count, fields.count < 7 {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == UInt8(ascii: "|") {
                fields.append(String(decoding: bytes[start..<index], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        guard fields.count == 7 else { throw Malformed(description: "CEF header has \(fields.count) of 7 fields: \(line.prefix(200))") }
        header = fields
        pairs = try Self.extensionPairs(Array(bytes[start...]))
    }

    static func extensionPairs(_ ext: [UInt8]) throws -> [(key: String, value: String)] {
        // Positions of unescaped `=`.
        var equals: [Int] = []
        var index = 0
        while index < ext.count {
            if ext[index] == UInt8(ascii: "\\") { index += 2; continue }
            if ext[index] == UInt8(ascii: "=") { equals.append(index) }
            index += 1
        }
        var pairs: [(key: String, value: String)] = []
        var keyStart = 0
        for (n, eq) in equals.enumerated() {
            let key = String(decoding: ext[keyStart..<eq], as: UTF8.self)
            guard !key.isEmpty, key.utf8.allSatisfy({ isKeyByte($0) }) else {
                throw Malformed(description: "bad CEF extension key \"\(key.prefix(60))\"")
            }
            let valueEnd: Int
            if n + 1 < equals.count {
                // The next key is the run of key bytes right before the next `=`, after a space.
                var k = equals[n + 1]
                while k > eq + 1, isKeyByte(ext[k - 1]) { k -= 1 }
                guard k > eq + 1, ext[k - 1] == UInt8(ascii: " ") else {
                    throw Malformed(description: "no space before the key ending at byte \(equals[n + 1])")
                }
                valueEnd = k - 1
                keyStart = k
            } else {
                valueEnd = ext.count
            }
            pairs.append((key, String(decoding: ext[(eq + 1)..<valueEnd], as: UTF8.self)))
        }
        return pairs
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }

    /// Undoes extension escaping: `\\` `\=` `\n` `\r`.
    static func unescape(_ value: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                switch bytes[index + 1] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                default: out.append(bytes[index + 1])
                }
                index += 2
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
