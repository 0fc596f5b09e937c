/// Lenient readers for record content (PRODUCT §2): a value of an unexpected type never
/// throws, it reads as nil. Only malformed JSON throws.
extension JSONScanner {
    /// A scalar's text: a string's decoded value, a number's literal text, `true`/`false`;
    /// nil for `null`, an object or an array (which are skipped).
    mutating func readText(depth: Int) throws(ActivityJSONError) -> String? {
        switch try peek(expecting: "a value") {
        case ASCII.quote:
            return string(try scanString())
        case ASCII.minus, ASCII.zero...ASCII.nine:
            let range = try scanNumber()
            return String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
        case ASCII.lowerT:
            try scanLiteral("true")
            return "true"
        case ASCII.lowerF:
            try scanLiteral("false")
            return "false"
        default:
            try skipValue(depth: depth)
            return nil
        }
    }

    /// An integer such as Unix milliseconds: a JSON integer, a number with a fraction or an
    /// exponent (truncated towards zero), or a string of digits (optionally `-`). Anything
    /// else, or a value outside Int64, reads as nil.
    mutating func readInteger(depth: Int) throws(ActivityJSONError) -> Int64? {
        switch try peek(expecting: "a value") {
        case ASCII.quote:
            let token = try scanString()
            if token.hasEscapes {
                let bytes = unescapedBytes(token)
                return bytes.withUnsafeBufferPointer { Self.integer($0) }
            }
            return Self.integer(rawBytes(token))
        case ASCII.minus, ASCII.zero...ASCII.nine:
            let range = try scanNumber()
            let bytes = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
            if let exact = Self.integer(bytes) { return exact }
            guard let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite,
                  value > -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return nil }
            return Int64(value.rounded(.towardZero))
        default:
            try skipValue(depth: depth)
            return nil
        }
    }

    /// `true` only for the literal `true`; anything else (skipped) is false.
    mutating func readBool(depth: Int) throws(ActivityJSONError) -> Bool {
        if try peek(expecting: "a value") == ASCII.lowerT {
            try scanLiteral("true")
            return true
        }
        try skipValue(depth: depth)
        return false
    }

    /// `-?[0-9]+` as Int64; nil for anything else or on overflow.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var p = 0
        let negative = !bytes.isEmpty && bytes[0] == ASCII.minus
        if negative { p = 1 }
        guard p < bytes.count else { return nil }
        var value: Int64 = 0
        while p < bytes.count {
            let digit = bytes[p] &- ASCII.zero
            guard digit <= 9 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(Int64(digit))
                                      : times10.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = next
            p &+= 1
        }
        return value
    }

    /// Whether a key token spells `name` exactly (after unescaping, if it has escapes).
    @inline(__always)
    func key(_ token: StringToken, is name: StaticString) -> Bool {
        if token.hasEscapes {
            let bytes = unescapedBytes(token)
            return bytes.withUnsafeBufferPointer { Self.equal($0, name) }
        }
        return Self.equal(rawBytes(token), name)
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for i in 0..<bytes.count where bytes[i] != expected[i] { return false }
        return true
    }
}
