extension JSONScanner {
    /// What a list response holds around its records (activities and alerts alike):
    /// `{"data": [...], "hasNext": …, "nextQueryFilters": …, "total": …}`.
    struct Envelope<Record> {
        var records: [Record] = []
        var hasNext = false
        var nextQueryFilters: [UInt8]?
        var total: Int?
    }

    /// Reads a whole list response: strict JSON, `data` required and an array, unknown keys
    /// skipped, nothing after the object. `readElement` reads one element of `data` at depth 2
    /// (every element is kept, whatever its type). `page` and `element` name them in errors.
    mutating func readEnvelope<Record>(
        page: String, element: String, readElement: (inout JSONScanner) throws(ActivityJSONError) -> Record
    ) throws(ActivityJSONError) -> Envelope<Record> {
        skipWhitespace()
        let start = position
        guard try peek(expecting: "a JSON object") == ASCII.openBrace else {
            throw error("expected a JSON object (\(page))")
        }
        var envelope = Envelope<Record>()
        var sawData = false
        if try enterObject(depth: 0) {
            repeat {
                let key = try readKey()
                if self.key(key, is: "data") {
                    guard try peek(expecting: "the 'data' array") == ASCII.openBracket else {
                        throw error("expected 'data' to be an array of \(element)")
                    }
                    var records: [Record] = []
                    if try enterArray(depth: 1) {
                        repeat {
                            records.append(try readElement(&self))
                        } while try nextElement()
                    }
                    envelope.records = records
                    sawData = true
                } else if self.key(key, is: "hasNext") {
                    envelope.hasNext = try readBool(depth: 1)
                } else if self.key(key, is: "nextQueryFilters") {
                    envelope.nextQueryFilters = try readRawValue(depth: 1)
                } else if self.key(key, is: "total") {
                    envelope.total = try readInteger(depth: 1).flatMap { Int(exactly: $0) }
                } else {
                    try skipValue(depth: 1)
                }
            } while try nextMember()
        }
        skipWhitespace()
        guard isAtEnd else { throw error("unexpected data after the page") }
        guard sawData else { throw error("the page has no 'data' array", at: start) }
        return envelope
    }

    /// Reads a single value that is the whole input (the fetch-one endpoints), with nothing
    /// after it. `subject`, `expected` ("a record") and `what` ("the record") name it in errors.
    static func parseWhole<Record>(
        _ bytes: [UInt8], subject: String, expected: String, what: String,
        read: (inout JSONScanner) throws(ActivityJSONError) -> Record
    ) throws(ActivityJSONError) -> Record {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ActivityJSONError) -> Record in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                throw ActivityJSONError(offset: 0, reason: "unexpected end of body, expected \(expected)", subject: subject)
            }
            var scanner = JSONScanner(base: base, count: buffer.count, subject: subject)
            scanner.skipWhitespace()
            let record = try read(&scanner)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.error("unexpected data after \(what)") }
            return record
        }
    }

    /// A value's bytes with insignificant whitespace removed (`nextQueryFilters`, resent
    /// verbatim); nil for `null`.
    mutating func readRawValue(depth: Int) throws(ActivityJSONError) -> [UInt8]? {
        if try peek(expecting: "a value") == ASCII.lowerN {
            try scanLiteral("null")
            return nil
        }
        let start = position
        try skipValue(depth: depth)
        return compacted(start..<position)
    }
}
