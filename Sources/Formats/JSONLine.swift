/// The `json` payload (PRODUCT §4): the record's JSON as received, on one line, and always
/// valid UTF-8 JSON (RFC 8259), whatever the service sent:
///
/// - invalid UTF-8 becomes U+FFFD (one per maximal ill-formed subsequence, as Swift's own
///   decoding does); a `\u` escape of a lone surrogate becomes `\ufffd`;
/// - U+2028, U+2029 and the C1 controls U+0080…U+009F are escaped (`\u2028`, `\u0085`: readers
///   that honour Unicode line breaks — JavaScript, Python's `splitlines`, .NET, Java's `\R` —
///   split a line on U+2028/U+2029 and on NEL, U+0085; the other C1 controls go the same way);
/// - a raw control byte inside a string is escaped, one outside a string (insignificant
///   white space) becomes a space, so the line never breaks;
/// - a message over the cap is shortened by ``JSONShortening`` (string values, never the
///   structure).
///
/// The common case (valid UTF-8 without those) is one read-only scan, printable ASCII eight
/// bytes at a time, and a copy; only a record that needs repair is rewritten.
public enum JSONLine {
    /// Appends `raw` as one line of valid JSON.
    public static func append(_ raw: ArraySlice<UInt8>, into buffer: inout [UInt8]) {
        if isClean(raw) {
            buffer.append(contentsOf: raw)
        } else {
            appendSanitized(raw, into: &buffer)
        }
    }

    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// True when the text is valid UTF-8 without control characters, U+2028/U+2029 or a `\u` escape
    /// that could be a surrogate: then it is copied as is. Printable ASCII is skipped eight
    /// bytes at a time; other bytes are checked one character at a time.
    static func isClean(_ raw: ArraySlice<UInt8>) -> Bool {
        raw.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            guard let base = bytes.baseAddress else { return true }
            var index = 0
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                // Per byte: bit 7 set, below 0x20, or equal to `\` (exact for the word as a
                // whole, which is all that is asked here).
                let below = (word &- 0x20 &* ones) & ~word & highs
                let backslash = word ^ (0x5C &* ones)
                let isBackslash = (backslash &- ones) & ~backslash & highs
                if (word & highs) | below | isBackslash == 0 {
                    index += 8
                    continue
                }
                let length = cleanCharacterLength(bytes, index)
                if length == 0 { return false }
                index += length
            }
            while index < count {
                let length = cleanCharacterLength(bytes, index)
                if length == 0 { return false }
                index += length
            }
            return true
        }
    }

    /// The length of the character at `index` if it can be copied as is, else 0.
    @inline(__always)
    static func cleanCharacterLength(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int {
        let byte = bytes[index]
        if byte < 0x20 { return 0 }
        if byte < 0x80 {
            // `\u` followed by d/D may be a surrogate escape; the sanitizer decides.
            if byte == 0x5C, index + 2 < bytes.count, bytes[index + 1] == 0x75, bytes[index + 2] | 0x20 == 0x64 {
                return 0
            }
            return 1
        }
        let length = UTF8Scalar.validLength(bytes, at: index)
        if escapedScalar(bytes, at: index, length: length) != nil { return 0 }
        return length
    }

    /// The scalar a valid `length`-byte sequence at `index` encodes if a line must carry it
    /// as a `\uXXXX` escape: a C1 control (C2 80…C2 9F) or U+2028/U+2029 (E2 80 A8/A9).
    @inline(__always)
    static func escapedScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> UInt16? {
        if length == 2, bytes[index] == 0xC2, bytes[index + 1] < 0xA0 { return UInt16(bytes[index + 1]) }
        if length == 3, bytes[index] == 0xE2, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 {
            return 0x2000 | UInt16(bytes[index + 2] & 0x3F)
        }
        return nil
    }

    /// The slow path: copies `raw`, tracking whether it is inside a string, repairing what
    /// RFC 8259 forbids or JavaScript readers mis-read.
    static func appendSanitized(_ raw: ArraySlice<UInt8>, into buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + raw.count + 16)
        raw.withUnsafeBufferPointer { bytes in
            var inString = false
            var index = 0
            let count = bytes.count
            while index < count {
                // Copy the run that needs nothing in one append, then repair one character.
                let runStart = index
                if inString {
                    while index < count {
                        let byte = bytes[index]
                        if byte >= 0x20 && byte < 0x80 {
                            if byte == 0x22 || byte == 0x5C { break }
                            index += 1
                            continue
                        }
                        if byte < 0x20 { break }
                        let length = UTF8Scalar.validLength(bytes, at: index)
                        if length == 0 || escapedScalar(bytes, at: index, length: length) != nil { break }
                        index += length
                    }
                } else {
                    while index < count, bytes[index] >= 0x20, bytes[index] < 0x80, bytes[index] != 0x22 { index += 1 }
                }
                if index > runStart { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                guard index < count else { break }
                let byte = bytes[index]
                if byte >= 0x80 {
                    let length = UTF8Scalar.validLength(bytes, at: index)
                    if length == 0 {
                        // Not UTF-8: U+FFFD for the maximal ill-formed subsequence.
                        if inString { buffer.append(contentsOf: [0xEF, 0xBF, 0xBD]) } else { buffer.append(0x20) }
                        index += UTF8Scalar.invalidLength(bytes, at: index)
                        continue
                    }
                    if let scalar = escapedScalar(bytes, at: index, length: length) {
                        // A C1 control, U+2028 or U+2029.
                        if inString { appendUnicodeEscape(scalar, into: &buffer) } else { buffer.append(0x20) }
                    } else if inString {
                        buffer.append(contentsOf: bytes[index..<(index + length)])
                    } else {
                        buffer.append(0x20) // only white space is allowed between tokens
                    }
                    index += length
                    continue
                }
                if !inString {
                    if byte == 0x22 { inString = true }
                    buffer.append(byte < 0x20 ? 0x20 : byte)
                    index += 1
                    continue
                }
                switch byte {
                case 0x22:
                    inString = false
                    buffer.append(byte)
                    index += 1
                case 0x5C:
                    index += appendEscape(bytes, at: index, into: &buffer)
                case ..<0x20:
                    appendControlEscape(byte, into: &buffer)
                    index += 1
                default:
                    buffer.append(byte)
                    index += 1
                }
            }
            // A string cut off by the end of the text (never the parser's output) is closed.
            if inString { buffer.append(0x22) }
        }
    }

    /// Copies the escape at `index` (a `\`), repairing lone surrogates and invalid escapes.
    /// Returns the bytes consumed.
    static func appendEscape(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, into buffer: inout [UInt8]) -> Int {
        let count = bytes.count
        guard index + 1 < count else {
            buffer.append(contentsOf: [0x5C, 0x5C])
            return 1
        }
        let next = bytes[index + 1]
        switch next {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: // " \ / b f n r t
            buffer.append(0x5C)
            buffer.append(next)
            return 2
        case 0x75: // u
            guard let unit = hex4(bytes, at: index + 2) else { break }
            switch unit {
            case 0xD800...0xDBFF:
                if index + 11 < count, bytes[index + 6] == 0x5C, bytes[index + 7] == 0x75,
                   let low = hex4(bytes, at: index + 8), (0xDC00...0xDFFF).contains(low) {
                    buffer.append(contentsOf: bytes[index..<(index + 12)])
                    return 12
                }
                buffer.append(contentsOf: #"\ufffd"#.utf8)
                return 6
            case 0xDC00...0xDFFF:
                buffer.append(contentsOf: #"\ufffd"#.utf8)
                return 6
            default:
                buffer.append(contentsOf: bytes[index..<(index + 6)])
                return 6
            }
        default:
            break
        }
        // Not a JSON escape: keep the backslash as text.
        buffer.append(contentsOf: [0x5C, 0x5C])
        return 1
    }

    static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = JSONShortening.hexDigit(bytes[index + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func appendControlEscape(_ byte: UInt8, into buffer: inout [UInt8]) {
        switch byte {
        case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
        case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
        case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
        default: appendUnicodeEscape(UInt16(byte), into: &buffer)
        }
    }

    /// `\uXXXX`, lowercase hex digits.
    static func appendUnicodeEscape(_ scalar: UInt16, into buffer: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        buffer.append(contentsOf: [0x5C, 0x75])
        for shift in stride(from: 12, through: 0, by: -4) {
            buffer.append(digits.utf8Start[Int(scalar >> UInt16(shift) & 0xF)])
        }
    }
}

/// Strict UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
enum UTF8Scalar {
    /// What Table 3-7 allows after a lead byte: the sequence length and the range of the
    /// second byte (later ones are always 0x80…0xBF); nil for a byte that cannot lead.
    static func lead(_ byte: UInt8) -> (length: Int, low: UInt8, high: UInt8)? {
        switch byte {
        case 0xC2...0xDF: (2, 0x80, 0xBF)
        case 0xE0: (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
        case 0xED: (3, 0x80, 0x9F)
        case 0xF0: (4, 0x90, 0xBF)
        case 0xF1...0xF3: (4, 0x80, 0xBF)
        case 0xF4: (4, 0x80, 0x8F)
        default: nil
        }
    }

    /// The length of the valid sequence starting at `index` (a byte >= 0x80), 0 if invalid.
    static func validLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        guard let (length, low, high) = lead(bytes[index]) else { return 0 }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return 0 }
        for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }

    /// The length of the maximal ill-formed subsequence at `index`: the lead byte plus the
    /// continuation bytes that could still have completed it (at least 1).
    static func invalidLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        guard let (length, low, high) = lead(bytes[index]) else { return 1 }
        var consumed = 1
        while consumed < length, index + consumed < bytes.count {
            let byte = bytes[index + consumed]
            let ok = consumed == 1 ? (byte >= low && byte <= high) : byte & 0xC0 == 0x80
            if !ok { break }
            consumed += 1
        }
        return consumed
    }
}
