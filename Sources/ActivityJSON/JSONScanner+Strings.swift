/// A string's bytes between its quotes (`start..<end`), as found in the text.
struct StringToken {
    var start: Int
    var end: Int
    /// False for the common case: the bytes are the value, no unescaping needed.
    var hasEscapes: Bool
}

extension JSONScanner {
    /// Validates the string at the cursor (on its opening quote) and moves past it.
    ///
    /// Eight bytes at a time, it looks only for `"`, `\` and raw control characters (which
    /// RFC 8259 §7 forbids unescaped); UTF-8 is left to the decoder, which repairs it.
    mutating func scanString() throws(ActivityJSONError) -> StringToken {
        let open = position
        var p = open &+ 1
        var escaped = false
        while true {
            while p &+ 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(word)
                if special != 0 {
                    p &+= special.trailingZeroBitCount &>> 3
                    break
                }
                p &+= 8
            }
            guard p < count else { throw truncated("'\"' closing the string that starts at byte \(open)") }
            let byte = base[p]
            if byte == ASCII.quote {
                position = p &+ 1
                return StringToken(start: open &+ 1, end: p, hasEscapes: escaped)
            } else if byte == ASCII.backslash {
                escaped = true
                p = try validateEscape(at: p)
            } else if byte < ASCII.space {
                throw error("raw control character 0x\(String(byte, radix: 16)) inside a string (must be escaped)", at: p)
            } else {
                p &+= 1
            }
        }
    }

    /// A mask with bit 7 of each byte set where that byte is `"`, `\` or below 0x20. The lowest
    /// set bit is exact (borrows only propagate upwards), which is all the caller uses.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(ASCII.quote))
        let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* UInt64(ASCII.space)) & ~word
        return (hasQuote | hasBackslash | hasControl) & highs
    }

    /// Validates the escape sequence whose backslash is at `p`; returns the offset after it.
    private func validateEscape(at p: Int) throws(ActivityJSONError) -> Int {
        guard p &+ 1 < count else { throw truncated("an escape sequence") }
        switch base[p &+ 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash,
             0x62 /* b */, 0x66 /* f */, 0x6E /* n */, 0x72 /* r */, 0x74 /* t */:
            return p &+ 2
        case 0x75 /* u */:
            for i in 2..<6 {
                guard p &+ i < count else { throw truncated("4 hex digits after '\\u'") }
                guard ASCII.hexValue(base[p &+ i]) != nil else {
                    throw error("invalid \\u escape: expected 4 hex digits", at: p)
                }
            }
            return p &+ 6
        default:
            throw error("invalid escape sequence '\\\(Unicode.Scalar(base[p &+ 1]))'", at: p)
        }
    }

    /// The bytes of a token, unescaped or not.
    @inline(__always)
    func rawBytes(_ token: StringToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + token.start, count: token.end &- token.start)
    }

    /// The decoded value of a validated string token. Invalid UTF-8 and lone surrogates become
    /// U+FFFD, like `String(decoding:as:)`; nothing throws.
    func string(_ token: StringToken) -> String {
        let raw = rawBytes(token)
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        // Unescaping never grows the text: `\n` is 2 bytes for 1, `\uXXXX` 6 for at most 3,
        // a surrogate pair 12 for 4.
        return String(unsafeUninitializedCapacity: raw.count) { out in
            Self.unescape(raw, into: out)
        }
    }

    /// The decoded bytes of a validated string token (for keys that contain escapes).
    func unescapedBytes(_ token: StringToken) -> [UInt8] {
        let raw = rawBytes(token)
        return [UInt8](unsafeUninitializedCapacity: raw.count) { out, initialized in
            initialized = Self.unescape(raw, into: out)
        }
    }

    /// Writes the unescaped UTF-8 of `raw` (validated string contents) to `out`; returns the
    /// number of bytes written.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var n = 0
        var p = 0
        while p < raw.count {
            let byte = raw[p]
            guard byte == ASCII.backslash else {
                out[n] = byte
                n &+= 1
                p &+= 1
                continue
            }
            let kind = raw[p &+ 1]
            p &+= 2
            switch kind {
            case 0x62: out[n] = 0x08
            case 0x66: out[n] = 0x0C
            case 0x6E: out[n] = ASCII.lineFeed
            case 0x72: out[n] = ASCII.carriageReturn
            case 0x74: out[n] = ASCII.tab
            case 0x75:
                var scalar = hex4(raw, p)
                p &+= 4
                // A high surrogate combines with an immediately following `\u` low surrogate
                // (RFC 8259 §7); any other surrogate is lone and becomes U+FFFD.
                if (0xD800...0xDBFF).contains(scalar), p &+ 6 <= raw.count,
                   raw[p] == ASCII.backslash, raw[p &+ 1] == 0x75 {
                    let low = hex4(raw, p &+ 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 &+ ((scalar &- 0xD800) &<< 10) &+ (low &- 0xDC00)
                        p &+= 6
                    }
                }
                if (0xD800...0xDFFF).contains(scalar) { scalar = 0xFFFD }
                n = appendUTF8(scalar, to: out, at: n)
                continue
            default: out[n] = kind  // `"`, `\`, `/` stand for themselves
            }
            n &+= 1
        }
        return n
    }

    @inline(__always)
    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ p: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 { value = value &<< 4 | (ASCII.hexValue(raw[p &+ i]) ?? 0) }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var n = start
        switch scalar {
        case 0..<0x80:
            out[n] = UInt8(truncatingIfNeeded: scalar)
            n &+= 1
        case 0x80..<0x800:
            out[n] = 0xC0 | UInt8(truncatingIfNeeded: scalar &>> 6)
            out[n &+ 1] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            n &+= 2
        case 0x800..<0x10000:
            out[n] = 0xE0 | UInt8(truncatingIfNeeded: scalar &>> 12)
            out[n &+ 1] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 6) & 0x3F)
            out[n &+ 2] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            n &+= 3
        default:
            out[n] = 0xF0 | UInt8(truncatingIfNeeded: scalar &>> 18)
            out[n &+ 1] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 12) & 0x3F)
            out[n &+ 2] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 6) & 0x3F)
            out[n &+ 3] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            n &+= 4
        }
        return n
    }
}
