/// A single-pass, validating cursor over a JSON text (RFC 8259) held in memory.
///
/// It never builds a tree: callers walk the structure they care about with `enterObject`,
/// `readKey`, `nextMember`, `enterArray`, `nextElement`, and hand everything else to
/// `skipValue`, which validates it without recursion. UTF-8 is not validated here (decoded
/// strings repair it); everything else that RFC 8259 forbids throws, with the byte offset.
struct JSONScanner {
    /// Containers may nest this deep; deeper input throws instead of exhausting anything.
    static let maxDepth = 512

    let base: UnsafePointer<UInt8>
    let count: Int
    /// Offset of the next unread byte.
    var position: Int = 0
    /// Set when whitespace skipping passed a `\n` or `\r` (a pretty-printed text): the caller
    /// then compacts the value instead of slicing it, so that raw JSON stays on one line.
    var sawLineBreak = false
    /// Names what is parsed in errors (``ActivityJSONError/subject``).
    let subject: String

    init(base: UnsafePointer<UInt8>, count: Int, subject: String = "activities page") {
        self.base = base
        self.count = count
        self.subject = subject
    }

    var isAtEnd: Bool { position >= count }

    func error(_ reason: String, at offset: Int? = nil) -> ActivityJSONError {
        ActivityJSONError(offset: offset ?? position, reason: reason, subject: subject)
    }

    func truncated(_ expected: String) -> ActivityJSONError {
        ActivityJSONError(offset: count, reason: "unexpected end of body, expected \(expected)", subject: subject)
    }

    /// The byte at the cursor, or a "truncated" error naming what should have come.
    @inline(__always)
    func peek(expecting expected: String) throws(ActivityJSONError) -> UInt8 {
        guard position < count else { throw truncated(expected) }
        return base[position]
    }

    // MARK: Whitespace

    /// Skips RFC 8259 whitespace (space, tab, LF, CR). Compact JSON rarely has any, hence the
    /// inlined one-comparison fast path.
    @inline(__always)
    mutating func skipWhitespace() {
        if position < count && base[position] > ASCII.space { return }
        skipWhitespaceSlow()
    }

    private mutating func skipWhitespaceSlow() {
        while position < count {
            switch base[position] {
            case ASCII.space, ASCII.tab: position &+= 1
            case ASCII.lineFeed, ASCII.carriageReturn:
                sawLineBreak = true
                position &+= 1
                // Pretty-printed text: skip the indentation eight spaces at a time.
                while position &+ 8 <= count,
                      UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020 {
                    position &+= 8
                }
            default: return
            }
        }
    }

    // MARK: Scalars

    /// Validates the number at the cursor (`-? int frac? exp?`) and returns its byte range.
    mutating func scanNumber() throws(ActivityJSONError) -> Range<Int> {
        let start = position
        var p = position
        if base[p] == ASCII.minus { p &+= 1 }
        guard p < count else { throw truncated("a digit after '-'") }
        if base[p] == ASCII.zero {
            p &+= 1
        } else if ASCII.isDigit(base[p]) {
            p = skipDigits(from: p)
        } else {
            throw error("invalid number: expected a digit", at: p)
        }
        if p < count && base[p] == ASCII.dot {
            p &+= 1
            guard p < count else { throw truncated("a digit after '.'") }
            guard ASCII.isDigit(base[p]) else { throw error("invalid number: expected a digit after '.'", at: p) }
            p = skipDigits(from: p)
        }
        if p < count && (base[p] | 0x20) == ASCII.lowerE {
            p &+= 1
            if p < count && (base[p] == ASCII.plus || base[p] == ASCII.minus) { p &+= 1 }
            guard p < count else { throw truncated("a digit in the exponent") }
            guard ASCII.isDigit(base[p]) else { throw error("invalid number: expected a digit in the exponent", at: p) }
            p = skipDigits(from: p)
        }
        position = p
        return start..<p
    }

    @inline(__always)
    private func skipDigits(from start: Int) -> Int {
        var p = start
        while p < count && ASCII.isDigit(base[p]) { p &+= 1 }
        return p
    }

    /// Consumes `true`, `false` or `null` exactly.
    mutating func scanLiteral(_ literal: StaticString) throws(ActivityJSONError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (i, expected) in bytes.enumerated() {
            guard position &+ i < count else { throw truncated("'\(literal)'") }
            guard base[position &+ i] == expected else {
                throw error("invalid literal, expected '\(literal)'", at: position)
            }
        }
        position &+= bytes.count
    }

    // MARK: Containers

    /// At `{`: consumes it. True when a member follows (cursor at its key), false for `{}`.
    /// `depth` is the number of containers already open around this one.
    mutating func enterObject(depth: Int) throws(ActivityJSONError) -> Bool {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        position &+= 1
        skipWhitespace()
        if try peek(expecting: "a string key or '}'") == ASCII.closeBrace {
            position &+= 1
            return false
        }
        return true
    }

    /// Reads `"key" :` and leaves the cursor on the member's value.
    mutating func readKey() throws(ActivityJSONError) -> StringToken {
        guard try peek(expecting: "a string key") == ASCII.quote else { throw error("expected a string key") }
        let key = try scanString()
        skipWhitespace()
        guard try peek(expecting: "':' after a key") == ASCII.colon else { throw error("expected ':' after a key") }
        position &+= 1
        skipWhitespace()
        return key
    }

    /// After a member's value: true at `,` (cursor then at the next key), false at `}`.
    mutating func nextMember() throws(ActivityJSONError) -> Bool {
        skipWhitespace()
        switch try peek(expecting: "',' or '}'") {
        case ASCII.comma:
            position &+= 1
            skipWhitespace()
            return true
        case ASCII.closeBrace:
            position &+= 1
            return false
        default:
            throw error("expected ',' or '}' after an object member")
        }
    }

    /// At `[`: consumes it. True when an element follows (cursor on it), false for `[]`.
    mutating func enterArray(depth: Int) throws(ActivityJSONError) -> Bool {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        position &+= 1
        skipWhitespace()
        if try peek(expecting: "a value or ']'") == ASCII.closeBracket {
            position &+= 1
            return false
        }
        return true
    }

    /// After an element: true at `,` (cursor then on the next element), false at `]`.
    mutating func nextElement() throws(ActivityJSONError) -> Bool {
        skipWhitespace()
        switch try peek(expecting: "',' or ']'") {
        case ASCII.comma:
            position &+= 1
            skipWhitespace()
            return true
        case ASCII.closeBracket:
            position &+= 1
            return false
        default:
            throw error("expected ',' or ']' after an array element")
        }
    }
}

@available(*, unavailable)
extension JSONScanner: Sendable {}
