/// Fitting a `json` message into `max_message_bytes` without breaking it (PRODUCT §4).
///
/// The longest string values are cut first, all to the same length (the largest that makes
/// the whole message, syslog header included, fit), each cut on a character boundary (never
/// inside a UTF-8 sequence or an escape) and marked by appending ``mark`` inside the string.
/// Keys, numbers, literals and the structure are never touched. When even every string value
/// cut down to the mark cannot fit (thousands of keys), the record is replaced by a small
/// object naming its `_id` and saying why (``appendReplacement``); the encoder reports it as
/// ``MessageEncoder/Outcome/replaced`` so that the caller logs and counts it.
public enum JSONShortening {
    /// Ends every shortened string value: "…[truncated]" (14 bytes).
    public static let mark: [UInt8] = Array("…[truncated]".utf8)

    /// A string value's content: the bytes between its quotes.
    struct Span {
        var start: Int
        var end: Int
        var length: Int { end - start }
    }

    /// Shortens the JSON in `buffer[payloadStart...]` until `buffer[messageStart...]` is at
    /// most `limit` bytes. False (and `buffer` untouched) when that is impossible.
    static func shorten(_ buffer: inout [UInt8], messageStart: Int, payloadStart: Int, limit: Int) -> Bool {
        let excess = buffer.count - messageStart - limit
        guard excess > 0 else { return true }
        let spans = stringValues(buffer, from: payloadStart)
        let markLength = mark.count
        func savings(_ level: Int) -> Int {
            var total = 0
            for span in spans where span.length > level + markLength { total += span.length - level - markLength }
            return total
        }
        guard savings(0) >= excess else { return false }
        // The largest level that saves enough: savings(low) >= excess > savings(high).
        var low = 0
        var high = spans.reduce(0) { max($0, $1.length) }
        while high - low > 1 {
            let middle = (low + high) / 2
            if savings(middle) >= excess { low = middle } else { high = middle }
        }
        var shortened: [UInt8] = []
        shortened.reserveCapacity(buffer.count - payloadStart - excess)
        var copied = payloadStart
        for span in spans where span.length > low + markLength {
            shortened.append(contentsOf: buffer[copied..<span.start])
            // A boundary at or before the level only saves more.
            shortened.append(contentsOf: buffer[span.start..<boundary(buffer, span, level: low)])
            shortened.append(contentsOf: mark)
            copied = span.end
        }
        shortened.append(contentsOf: buffer[copied...])
        buffer.replaceSubrange(payloadStart..., with: shortened)
        return true
    }

    /// The content spans of the string values (not keys) of valid JSON text.
    static func stringValues(_ buffer: [UInt8], from start: Int) -> [Span] {
        var spans: [Span] = []
        var index = start
        let count = buffer.count
        while index < count {
            guard buffer[index] == 0x22 else { index += 1; continue }
            let contentStart = index + 1
            index = contentStart
            while index < count && buffer[index] != 0x22 {
                index += buffer[index] == 0x5C ? 2 : 1
            }
            let contentEnd = min(index, count)
            index += 1
            // A key is followed by `:` (after optional white space).
            var next = index
            while next < count && buffer[next] == 0x20 { next += 1 }
            if next < count && buffer[next] == 0x3A { continue }
            spans.append(Span(start: contentStart, end: contentEnd))
        }
        return spans
    }

    /// The last character boundary in `span` at most `level` bytes after its start: never
    /// inside a UTF-8 sequence, an escape, or a surrogate pair of escapes.
    static func boundary(_ buffer: [UInt8], _ span: Span, level: Int) -> Int {
        let limit = span.start + level
        var index = span.start
        while index < span.end {
            let byte = buffer[index]
            let unit: Int
            if byte == 0x5C {
                if index + 1 < span.end && buffer[index + 1] == 0x75 {
                    // `\uXXXX`; a high surrogate's escape goes with the low one after it (the
                    // sanitizer left no lone ones).
                    let isHigh = hexValue(buffer, at: index + 2, end: span.end).map { (0xD800...0xDBFF).contains($0) } ?? false
                    unit = isHigh ? 12 : 6
                } else {
                    unit = 2
                }
            } else if byte >= 0xF0 {
                unit = 4
            } else if byte >= 0xE0 {
                unit = 3
            } else if byte >= 0xC0 {
                unit = 2
            } else {
                unit = 1
            }
            if index + unit > limit { break }
            index += unit
        }
        return index
    }

    static func hexValue(_ buffer: [UInt8], at index: Int, end: Int) -> UInt32? {
        guard index + 4 <= end else { return nil }
        var value: UInt32 = 0
        for byte in buffer[index..<(index + 4)] {
            guard let digit = hexDigit(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Replaces the payload by `{"_id":"…","_mdca_forwarder":"…"}` (shortened, or `{"_id":"…"}`
    /// with a cut id, or `{}`, so that the message fits).
    static func appendReplacement(id: String, originalBytes: Int, limit: Int,
                                  into buffer: inout [UInt8], messageStart: Int, payloadStart: Int) {
        buffer.removeSubrange(payloadStart...)
        let room = limit - (payloadStart - messageStart)
        var escapedID: [UInt8] = []
        JSONString.appendEscaped(id, into: &escapedID)
        let note = "replaced: the record's \(originalBytes) bytes of JSON do not fit max_message_bytes (\(limit)) even with every string value shortened"
        let full = Array(#"{"_id":""#.utf8) + escapedID + Array(#"","_mdca_forwarder":""#.utf8) + Array(note.utf8) + Array(#""}"#.utf8)
        if full.count <= room {
            buffer.append(contentsOf: full)
            return
        }
        let frame = #"{"_id":""#.utf8.count + #""}"#.utf8.count
        if room > frame {
            let cut = boundary(escapedID, Span(start: 0, end: escapedID.count), level: room - frame)
            buffer.append(contentsOf: #"{"_id":""#.utf8)
            buffer.append(contentsOf: escapedID[..<cut])
            buffer.append(contentsOf: #""}"#.utf8)
        } else {
            buffer.append(contentsOf: "{}".utf8)
        }
    }
}

/// Writing a Swift string as JSON string content.
enum JSONString {
    static func appendEscaped(_ text: String, into buffer: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": buffer.append(contentsOf: [0x5C, 0x22])
            case "\\": buffer.append(contentsOf: [0x5C, 0x5C])
            case "\u{80}"..."\u{9F}", "\u{2028}", "\u{2029}":
                // Line breaks for Unicode-aware readers (``JSONLine``).
                JSONLine.appendUnicodeEscape(UInt16(scalar.value), into: &buffer)
            default:
                if scalar.value < 0x20 {
                    JSONLine.appendControlEscape(UInt8(scalar.value), into: &buffer)
                } else {
                    buffer.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }
}
