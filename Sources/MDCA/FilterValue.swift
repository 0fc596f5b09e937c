/// A filter value as a configuration loader produces it (YAML or JSON): the JSON data model.
///
/// Objects are dictionaries; `jsonBytes()` writes their keys in sorted order so that the same
/// configuration always yields the same request bytes.
public indirect enum FilterValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([FilterValue])
    case object([String: FilterValue])
}

extension FilterValue {
    /// Compact JSON (RFC 8259), object keys sorted by their UTF-8 bytes.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends the compact JSON form of this value to `out`.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .string(let s):
            FilterValue.writeString(s, into: &out)
        case .int(let i):
            out.append(contentsOf: Array(String(i).utf8))
        case .double(let d):
            // JSON has no NaN or infinity; an integral double is written without a fraction.
            if !d.isFinite {
                out.append(contentsOf: Array("null".utf8))
            } else if d == d.rounded(), abs(d) < 9.0e15 {
                out.append(contentsOf: Array(String(Int64(d)).utf8))
            } else {
                out.append(contentsOf: Array("\(d)".utf8))
            }
        case .bool(let b):
            out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .null:
            out.append(contentsOf: Array("null".utf8))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted(by: FilterValue.byteOrder).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                FilterValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]?.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var kindName: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// RFC 8259 §7: quote, backslash and control characters are escaped; everything else is
    /// written as UTF-8.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
