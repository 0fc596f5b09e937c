/// CEF escaping (ArcSight "Implementing ArcSight CEF", rev. 25) with line-injection defence
/// (CWE-117) and byte limits.
///
/// - Header fields escape `\` as `\\` and `|` as `\|`. A header cannot carry a newline, so
///   LF and CR become a space.
/// - Extension values escape `\` as `\\` and `=` as `\=`; LF becomes the two characters `\n`
///   and CR `\r`, as the spec says.
/// - Everywhere, every other C0 control, DEL, every C1 control (U+0080…U+009F, NEL U+0085
///   among them), U+2028 and U+2029 become a space, so that no input can ever produce a
///   second line or frame in any receiver (CEF has no escape for them).
///
/// `limit` counts *output* bytes (after escaping). Truncation happens between characters:
/// it never splits a UTF-8 sequence nor an escape sequence.
public enum CEFEscaping {
    /// Where the escaped text goes.
    public enum Context: Sendable {
        case header
        case extensionValue
    }

    /// Appends `text` escaped for `context`, spending at most `limit - used` bytes; `used` is
    /// advanced by what was written (a value made of several parts shares one budget).
    /// Returns false when the text was truncated.
    @inlinable
    @discardableResult
    public static func append<S: StringProtocol>(
        _ text: S, _ context: Context, limit: Int, used: inout Int, into buffer: inout [UInt8]
    ) -> Bool {
        if let done = text.utf8.withContiguousStorageIfAvailable({ bytes in
            append(bytes: bytes, context, limit: limit, used: &used, into: &buffer)
        }) {
            return done
        }
        var copy = String(text)
        return copy.withUTF8 { append(bytes: $0, context, limit: limit, used: &used, into: &buffer) }
    }

    /// Appends `text` escaped for `context`, at most `limit` bytes. Returns false when truncated.
    @inlinable
    @discardableResult
    public static func append<S: StringProtocol>(
        _ text: S, _ context: Context, limit: Int, into buffer: inout [UInt8]
    ) -> Bool {
        var used = 0
        return append(text, context, limit: limit, used: &used, into: &buffer)
    }

    /// The byte-level worker. Valid UTF-8 is expected (Swift strings always are); a stray
    /// byte that is not a valid lead byte becomes `?` rather than being passed on.
    @usableFromInline
    static func append(
        bytes: UnsafeBufferPointer<UInt8>, _ context: Context, limit: Int, used: inout Int,
        into buffer: inout [UInt8]
    ) -> Bool {
        let special: UInt8 = context == .header ? UInt8(ascii: "|") : UInt8(ascii: "=")
        let count = bytes.count
        var index = 0
        var runStart = 0
        var spent = used

        @inline(__always) func flushRun(upTo end: Int) {
            if end > runStart {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end]))
            }
        }

        while index < count {
            let byte = bytes[index]
            // Fast path: printable ASCII that needs no escape is copied as part of a run.
            if byte >= 0x20 && byte < 0x7F && byte != 0x5C && byte != special {
                if spent + 1 > limit { flushRun(upTo: index); used = spent; return false }
                spent += 1
                index += 1
                continue
            }
            var length = 1
            let replacement: Replacement
            if byte < 0x80 {
                replacement = asciiReplacement(byte, context)
            } else {
                length = sequenceLength(byte)
                if length == 0 || index + length > count {
                    length = 1
                    replacement = .one(UInt8(ascii: "?"))
                } else if isLineBreakingScalar(bytes, at: index) {
                    replacement = .one(0x20)
                } else {
                    // An ordinary multi-byte character: part of the run.
                    if spent + length > limit { flushRun(upTo: index); used = spent; return false }
                    spent += length
                    index += length
                    continue
                }
            }
            let cost = replacement.count
            flushRun(upTo: index)
            if spent + cost > limit { used = spent; return false }
            switch replacement {
            case .one(let b): buffer.append(b)
            case .escaped(let b): buffer.append(0x5C); buffer.append(b)
            }
            spent += cost
            index += length
            runStart = index
        }
        flushRun(upTo: count)
        used = spent
        return true
    }

    @usableFromInline
    enum Replacement {
        case one(UInt8)
        case escaped(UInt8)   // backslash + byte

        @usableFromInline var count: Int {
            switch self {
            case .one: 1
            case .escaped: 2
            }
        }
    }

    /// What an ASCII byte that is not copied as is becomes.
    @usableFromInline
    static func asciiReplacement(_ byte: UInt8, _ context: Context) -> Replacement {
        switch byte {
        case 0x5C: return .escaped(0x5C)
        case UInt8(ascii: "|") where context == .header: return .escaped(byte)
        case UInt8(ascii: "=") where context == .extensionValue: return .escaped(byte)
        case 0x0A: return context == .header ? .one(0x20) : .escaped(UInt8(ascii: "n"))
        case 0x0D: return context == .header ? .one(0x20) : .escaped(UInt8(ascii: "r"))
        default: return .one(0x20) // other C0 controls and DEL
        }
    }

    /// Length of the UTF-8 sequence led by `byte`; 0 for a byte that cannot lead one.
    @usableFromInline
    static func sequenceLength(_ byte: UInt8) -> Int {
        switch byte {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }

    /// The C1 controls (C2 80…C2 9F; NEL, U+0085, among them), U+2028 (E2 80 A8) and U+2029
    /// (E2 80 A9): line terminators for Unicode-aware readers (Java's, .NET's, JavaScript's,
    /// Python's) or controls, so they are neutralised like the C0 controls.
    @usableFromInline
    static func isLineBreakingScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let lead = bytes[index]
        if lead == 0xC2 { return bytes[index + 1] & 0xE0 == 0x80 }
        if lead == 0xE2 {
            return bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
        }
        return false
    }
}
