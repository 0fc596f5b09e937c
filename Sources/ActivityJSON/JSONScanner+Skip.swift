extension JSONScanner {
    /// Validates and skips the value at the cursor, however deeply nested, without recursion:
    /// open containers are tracked in a bit stack, so a depth bomb costs a few words of memory
    /// and throws at `maxDepth` instead of overflowing the stack.
    /// `depth` is the number of containers already open around the value.
    mutating func skipValue(depth: Int) throws(ActivityJSONError) {
        var open = ContainerStack()
        while true {
            // The cursor is on a value (whitespace already skipped).
            switch try peek(expecting: "a value") {
            case ASCII.quote:
                _ = try scanString()
            case ASCII.openBrace:
                guard depth &+ open.count < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
                position &+= 1
                skipWhitespace()
                if try peek(expecting: "a string key or '}'") == ASCII.closeBrace {
                    position &+= 1
                } else {
                    open.push(isObject: true)
                    _ = try readKey()
                    continue
                }
            case ASCII.openBracket:
                guard depth &+ open.count < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
                position &+= 1
                skipWhitespace()
                if try peek(expecting: "a value or ']'") == ASCII.closeBracket {
                    position &+= 1
                } else {
                    open.push(isObject: false)
                    continue
                }
            case ASCII.lowerT: try scanLiteral("true")
            case ASCII.lowerF: try scanLiteral("false")
            case ASCII.lowerN: try scanLiteral("null")
            case ASCII.minus, ASCII.zero...ASCII.nine: _ = try scanNumber()
            default: throw error("expected a value")
            }
            // A value is complete: close finished containers, stop at the next value.
            while true {
                guard !open.isEmpty else { return }
                skipWhitespace()
                let inObject = open.topIsObject
                let byte = try peek(expecting: inObject ? "',' or '}'" : "',' or ']'")
                if byte == ASCII.comma {
                    position &+= 1
                    skipWhitespace()
                    if inObject { _ = try readKey() }
                    break
                } else if byte == (inObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    position &+= 1
                    open.pop()
                } else {
                    throw error(inObject ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element")
                }
            }
        }
    }

    /// The bytes of `range` (a validated JSON value) without insignificant whitespace: the
    /// same tokens in the same order, on one line.
    func compacted(_ range: Range<Int>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: range.count) { out, initialized in
            var n = 0
            var p = range.lowerBound
            var inString = false
            while p < range.upperBound {
                let byte = base[p]
                p &+= 1
                if inString {
                    out[n] = byte
                    n &+= 1
                    if byte == ASCII.backslash {
                        // The escaped byte cannot end the string; copy it as is.
                        out[n] = base[p]
                        n &+= 1
                        p &+= 1
                    } else if byte == ASCII.quote {
                        inString = false
                    }
                } else {
                    switch byte {
                    case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn:
                        continue
                    case ASCII.quote:
                        inString = true
                    default:
                        break
                    }
                    out[n] = byte
                    n &+= 1
                }
            }
            initialized = n
        }
    }
}
