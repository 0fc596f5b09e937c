extension ActivityRecord {
    /// Parses a single record (the `GET /api/v1/activities/{id}/` response, tests).
    ///
    /// Strict JSON (RFC 8259): malformed input throws with the byte offset. Lenient on
    /// content: a field of an unexpected type reads as nil, never throws. A top-level value
    /// that is not an object gives a record with id "" whose `rawJSON` is that value, the
    /// same as a non-object element of a page's `data`. `rawJSON` is a slice of `object`
    /// (its indices are `object`'s) unless the input spans lines, then a compacted copy.
    public static func parse(_ object: [UInt8]) throws(ActivityJSONError) -> ActivityRecord {
        try JSONScanner.parseWhole(object, subject: "activities page", expected: "a record", what: "the record") {
            (scanner: inout JSONScanner) throws(ActivityJSONError) -> ActivityRecord in
            try scanner.readRecord(depth: 0, source: object)
        }
    }
}

extension JSONScanner {
    /// Reads the record at the cursor. `source` is the array the scanner reads, so that
    /// `rawJSON` can share its storage instead of copying.
    mutating func readRecord(depth: Int, source: [UInt8]) throws(ActivityJSONError) -> ActivityRecord {
        let start = position
        let lineBreakBefore = sawLineBreak
        sawLineBreak = false
        var record = ActivityRecord(id: "")
        if try peek(expecting: "a record") == ASCII.openBrace {
            if try enterObject(depth: depth) {
                let inner = depth &+ 1
                repeat {
                    let key = try readKey()
                    guard let field = recordKey(key) else {
                        try skipValue(depth: inner)
                        continue
                    }
                    try read(field, into: &record, depth: inner)
                } while try nextMember()
            }
        } else {
            // Not an object: kept as a record without an id rather than dropped, so that the
            // forwarder sees it and decides (PRODUCT §3: never a silent skip).
            try skipValue(depth: depth)
        }
        record.rawJSON = sawLineBreak ? ArraySlice(compacted(start..<position)) : source[start..<position]
        sawLineBreak = lineBreakBefore || sawLineBreak
        return record
    }

    /// Reads one known member's value into its field. A repeated key replaces what an
    /// earlier one set (last one wins), including the nested groups as a whole.
    @inline(__always)
    private mutating func read(_ field: RecordKey, into record: inout ActivityRecord, depth: Int) throws(ActivityJSONError) {
        switch field {
        case .id: record.id = try readText(depth: depth) ?? ""
        case .created: record.created = try readInteger(depth: depth)
        case .timestamp: record.timestamp = try readInteger(depth: depth)
        case .eventTypeName: record.eventTypeName = try readText(depth: depth)
        case .descriptionMetadata: record.eventCategory = try readMemberText("event_category", depth: depth)
        case .description: record.description = try readText(depth: depth)
        case .user: record.userName = try readMemberText("userName", depth: depth)
        case .failedUserData: record.failedUserName = try readMemberText("userName", depth: depth)
        case .appName: record.appName = try readText(depth: depth)
        case .appId: record.appId = try readText(depth: depth)
        case .device: (record.clientIP, record.userAgent) = try readDevice(depth: depth)
        case .mainInfo: record.targetObjectNames = try readTargetObjectNames(depth: depth)
        case .policies: record.policyIDs = try readPolicyIDs(depth: depth)
        }
    }
}
