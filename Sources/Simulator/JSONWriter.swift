/// Writes JSON text straight into a byte buffer. The simulator serves pages of 5000 records of
/// ~2.5 KB, so records are serialized once, by hand, at generation time; Foundation's
/// serializer would be both slower and free to reorder keys.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// One entry per open container: whether nothing was written in it yet.
    private var isFirst: [Bool] = []
    private var afterKey = false

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { valuePrefix(); bytes.append(UInt8(ascii: "{")); isFirst.append(true) }
    mutating func endObject() { isFirst.removeLast(); bytes.append(UInt8(ascii: "}")) }
    mutating func beginArray() { valuePrefix(); bytes.append(UInt8(ascii: "[")); isFirst.append(true) }
    mutating func endArray() { isFirst.removeLast(); bytes.append(UInt8(ascii: "]")) }

    mutating func key(_ name: String) {
        separator()
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    mutating func string(_ value: String) { valuePrefix(); Self.appendString(value, to: &bytes) }
    mutating func int(_ value: Int64) { valuePrefix(); bytes.append(contentsOf: String(value).utf8) }
    mutating func int(_ value: Int) { int(Int64(value)) }
    mutating func double(_ value: Double) { valuePrefix(); bytes.append(contentsOf: String(value).utf8) }
    mutating func bool(_ value: Bool) { valuePrefix(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func null() { valuePrefix(); bytes.append(contentsOf: "null".utf8) }
    /// Already-serialized JSON (e.g. a cached record).
    mutating func raw(_ json: [UInt8]) { valuePrefix(); bytes.append(contentsOf: json) }

    mutating func field(_ name: String, _ value: String) { key(name); string(value) }
    mutating func field(_ name: String, _ value: Int64) { key(name); int(value) }
    mutating func field(_ name: String, _ value: Int) { key(name); int(value) }
    mutating func field(_ name: String, _ value: Double) { key(name); double(value) }
    mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }
    mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }
    mutating func fieldNull(_ name: String) { key(name); null() }
    mutating func field(_ name: String, strings: [String]) {
        key(name)
        beginArray()
        for s in strings { string(s) }
        endArray()
    }

    private mutating func valuePrefix() {
        if afterKey { afterKey = false; return }
        separator()
    }

    private mutating func separator() {
        guard let last = isFirst.indices.last else { return }
        if isFirst[last] { isFirst[last] = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    /// RFC 8259 §7: escape `"`, `\` and every control character; everything else stays UTF-8.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(quote)
        var text = s
        text.withUTF8 { bytes in
            // Fast path (plain strings): one bulk copy. Plain loops, no range patterns: this
            // runs for every key and value of 100,000 records, also in debug builds.
            var plain = true
            for b in bytes where b < 0x20 || b == quote || b == backslash {
                plain = false
                break
            }
            if plain {
                out.append(contentsOf: bytes)
                return
            }
            for b in bytes {
                if b == quote || b == backslash {
                    out.append(backslash); out.append(b)
                } else if b == 0x0A {
                    out.append(backslash); out.append(UInt8(ascii: "n"))
                } else if b == 0x0D {
                    out.append(backslash); out.append(UInt8(ascii: "r"))
                } else if b == 0x09 {
                    out.append(backslash); out.append(UInt8(ascii: "t"))
                } else if b < 0x20 {
                    out.append(contentsOf: [backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]])
                } else {
                    out.append(b)
                }
            }
        }
        out.append(quote)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
