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
            let envelope = try scanner.readEnvelope(page: "an activities page", element: "records") {
                (scanner: inout JSONScanner) throws(ActivityJSONError) -> ActivityRecord in
                try scanner.readRecord(depth: 2, source: body)
            }
            return ActivityPage(records: envelope.records, hasNext: envelope.hasNext,
                                nextQueryFilters: envelope.nextQueryFilters, total: envelope.total)
        }
    }
}
