extension AlertPage {
    /// Parses one response body of `POST /api/v1/alerts/` (list mode).
    ///
    /// The same contract as ``ActivityPage/parse(_:)``, on the same scanner: strict JSON (a
    /// truncated body throws, the caller retries), lenient content (a field of an unexpected
    /// type reads as nil), `data` required, a non-object element kept as an alert with id "".
    public static func parse(_ body: [UInt8]) throws(ActivityJSONError) -> AlertPage {
        try body.withUnsafeBufferPointer { (buffer) throws(ActivityJSONError) -> AlertPage in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                throw ActivityJSONError(offset: 0, reason: "unexpected end of body, expected a JSON object", subject: "alerts page")
            }
            var scanner = JSONScanner(base: base, count: buffer.count, subject: "alerts page")
            let envelope = try scanner.readEnvelope(page: "an alerts page", element: "alerts") {
                (scanner: inout JSONScanner) throws(ActivityJSONError) -> AlertRecord in
                try scanner.readAlert(depth: 2, source: body)
            }
            return AlertPage(records: envelope.records, hasNext: envelope.hasNext, total: envelope.total)
        }
    }
}

extension AlertRecord {
    /// Parses one alert (the `GET /api/v1/alerts/{id}/` response, tests).
    public static func parse(_ object: [UInt8]) throws(ActivityJSONError) -> AlertRecord {
        try JSONScanner.parseWhole(object, subject: "alert", expected: "an alert", what: "the alert") {
            (scanner: inout JSONScanner) throws(ActivityJSONError) -> AlertRecord in
            try scanner.readAlert(depth: 0, source: object)
        }
    }
}

extension JSONScanner {
    /// Reads the alert at the cursor; `rawJSON` shares `source`'s storage as for activities.
    mutating func readAlert(depth: Int, source: [UInt8]) throws(ActivityJSONError) -> AlertRecord {
        let start = position
        let lineBreakBefore = sawLineBreak
        sawLineBreak = false
        var record = AlertRecord(id: "")
        if try peek(expecting: "an alert") == ASCII.openBrace {
            if try enterObject(depth: depth) {
                let inner = depth &+ 1
                repeat {
                    let key = try readKey()
                    let name = key.hasEscapes ? String(decoding: unescapedBytes(key), as: UTF8.self) : string(key)
                    try readAlertMember(name, into: &record, depth: inner)
                } while try nextMember()
            }
        } else {
            try skipValue(depth: depth)
        }
        record.rawJSON = sawLineBreak ? ArraySlice(compacted(start..<position)) : source[start..<position]
        sawLineBreak = lineBreakBefore || sawLineBreak
        return record
    }

    /// One top-level member; unknown keys are skipped. Last one wins on a repeated key.
    /// (Alerts are ~20 keys and 100 a page: a String key switch is plenty fast here.)
    private mutating func readAlertMember(_ name: String, into record: inout AlertRecord, depth: Int) throws(ActivityJSONError) {
        switch name {
        case "_id": record.id = try readText(depth: depth) ?? ""
        case "timestamp": record.timestamp = try readInteger(depth: depth)
        case "title": record.title = try readText(depth: depth)
        case "description": record.description = try readText(depth: depth)
        case "entities": record.entities = try readEntities(depth: depth)
        case "policy":
            if try peek(expecting: "a value") == ASCII.openBrace {
                record.policy = try readEntity(depth: depth)
            } else {
                try skipValue(depth: depth)
                record.policy = nil
            }
        case "severityValue": record.severityValue = try readInteger(depth: depth)
        case "statusValue": record.statusValue = try readInteger(depth: depth)
        case "resolutionStatusValue": record.resolutionStatusValue = try readInteger(depth: depth)
        case "threatScore": record.threatScore = try readText(depth: depth)
        case "audits": record.audits = try readTextList(depth: depth)
        case "stories": record.stories = try readIntegerList(depth: depth)
        case "isSystemAlert":
            let text = try readText(depth: depth)
            record.isSystemAlert = text == "true" ? true : text == "false" ? false : nil
        case "handledByUser":
            let text = try readText(depth: depth)
            record.handledByUser = text == "null" ? nil : text
        case "resolveTime": record.resolveTime = try readText(depth: depth)
        case "resolutionDate": record.resolutionDate = try readInteger(depth: depth)
        case "URL": record.url = try readText(depth: depth)
        default: try skipValue(depth: depth)
        }
    }

    /// `entities`: one entity per element, in order; not an array reads as none.
    private mutating func readEntities(depth: Int) throws(ActivityJSONError) -> [AlertEntity] {
        guard try peek(expecting: "a value") == ASCII.openBracket else {
            try skipValue(depth: depth)
            return []
        }
        var entities: [AlertEntity] = []
        if try enterArray(depth: depth) {
            repeat {
                if try peek(expecting: "an entity") == ASCII.openBrace {
                    entities.append(try readEntity(depth: depth &+ 1))
                } else {
                    try skipValue(depth: depth &+ 1)
                    entities.append(AlertEntity())
                }
            } while try nextElement()
        }
        return entities
    }

    /// At `{`: the entity's members the mapping reads.
    private mutating func readEntity(depth: Int) throws(ActivityJSONError) -> AlertEntity {
        var entity = AlertEntity()
        if try enterObject(depth: depth) {
            let inner = depth &+ 1
            repeat {
                let key = try readKey()
                if self.key(key, is: "type") { entity.type = try readText(depth: inner) }
                else if self.key(key, is: "id") { entity.id = try readText(depth: inner) }
                else if self.key(key, is: "label") { entity.label = try readText(depth: inner) }
                else if self.key(key, is: "policyType") { entity.policyType = try readText(depth: inner) }
                else if self.key(key, is: "em") { entity.email = try readText(depth: inner) }
                else if self.key(key, is: "pa") { entity.principal = try readText(depth: inner) }
                else if self.key(key, is: "entityRole") { entity.role = try readText(depth: inner) }
                else { try skipValue(depth: inner) }
            } while try nextMember()
        }
        return entity
    }

    /// A list of scalars as text (elements without text are left out); a single scalar is a
    /// list of one.
    private mutating func readTextList(depth: Int) throws(ActivityJSONError) -> [String] {
        guard try peek(expecting: "a value") == ASCII.openBracket else {
            return try readText(depth: depth).map { [$0] } ?? []
        }
        var items: [String] = []
        if try enterArray(depth: depth) {
            repeat {
                if let text = try readText(depth: depth &+ 1) { items.append(text) }
            } while try nextElement()
        }
        return items
    }

    private mutating func readIntegerList(depth: Int) throws(ActivityJSONError) -> [Int64] {
        guard try peek(expecting: "a value") == ASCII.openBracket else {
            return try readInteger(depth: depth).map { [$0] } ?? []
        }
        var items: [Int64] = []
        if try enterArray(depth: depth) {
            repeat {
                if let value = try readInteger(depth: depth &+ 1) { items.append(value) }
            } while try nextElement()
        }
        return items
    }
}
