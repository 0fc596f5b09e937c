extension ActivityPage {
    /// Parses one response body of `POST /api/v1/activities/`.
    ///
    /// Strict JSON (RFC 8259): a truncated or malformed body throws, with the byte offset,
    /// and the caller retries the request. Lenient on record *content*: a field of an
    /// unexpected type never throws. `data` must be an array (a body without one is not a
    /// page); an element that is not an object becomes a record with id "" whose `rawJSON` is
    /// that element, never dropped. Unknown top-level keys are skipped; a repeated key: the
    /// last one wins. Each record's `rawJSON` is a slice of `body` (no copy) unless the body is
    /// pretty-printed, then a compacted copy; either way it is one line.
    public static func parse(_ body: [UInt8]) throws(ActivityJSONError) -> ActivityPage {
        try body.withUnsafeBufferPointer { (buffer) throws(ActivityJSONError) -> ActivityPage in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                throw ActivityJSONError(offset: 0, reason: "unexpected end of body, expected a JSON object")
            }
            var scanner = JSONScanner(base: base, count: buffer.count)
            return try scanner.readPage(source: body)
        }
    }
}

extension JSONScanner {
    mutating func readPage(source: [UInt8]) throws(ActivityJSONError) -> ActivityPage {
        skipWhitespace()
        let start = position
        guard try peek(expecting: "a JSON object") == ASCII.openBrace else {
            throw error("expected a JSON object (an activities page)")
        }
        var page = ActivityPage(records: [], hasNext: false, nextQueryFilters: nil, total: nil)
        var sawData = false
        if try enterObject(depth: 0) {
            repeat {
                let key = try readKey()
                if self.key(key, is: "data") {
                    page.records = try readRecords(source: source)
                    sawData = true
                } else if self.key(key, is: "hasNext") {
                    page.hasNext = try readBool(depth: 1)
                } else if self.key(key, is: "nextQueryFilters") {
                    page.nextQueryFilters = try readRawValue(depth: 1)
                } else if self.key(key, is: "total") {
                    page.total = try readInteger(depth: 1).flatMap { Int(exactly: $0) }
                } else {
                    try skipValue(depth: 1)
                }
            } while try nextMember()
        }
        skipWhitespace()
        guard isAtEnd else { throw error("unexpected data after the page") }
        guard sawData else { throw error("the page has no 'data' array", at: start) }
        return page
    }

    /// `data`: every element, in order.
    private mutating func readRecords(source: [UInt8]) throws(ActivityJSONError) -> [ActivityRecord] {
        guard try peek(expecting: "the 'data' array") == ASCII.openBracket else {
            throw error("expected 'data' to be an array of records")
        }
        var records: [ActivityRecord] = []
        if try enterArray(depth: 1) {
            repeat {
                records.append(try readRecord(depth: 2, source: source))
            } while try nextElement()
        }
        return records
    }

    /// A value's bytes with insignificant whitespace removed (`nextQueryFilters`, resent
    /// verbatim); nil for `null`.
    private mutating func readRawValue(depth: Int) throws(ActivityJSONError) -> [UInt8]? {
        if try peek(expecting: "a value") == ASCII.lowerN {
            try scanLiteral("null")
            return nil
        }
        let start = position
        try skipValue(depth: depth)
        return compacted(start..<position)
    }
}
