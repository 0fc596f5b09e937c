/// The top-level keys of an activity record that `ActivityRecord` reads (matched exactly,
/// case-sensitive); every other key is skipped unread.
enum RecordKey {
    case id                   // _id
    case created              // created
    case timestamp            // timestamp
    case eventTypeName        // eventTypeName
    case descriptionMetadata  // description_metadata.event_category
    case description          // description
    case user                 // user.userName
    case failedUserData       // failedUserData.userName
    case appName              // appName
    case appId                // appId
    case device               // device.clientIP, device.userAgent
    case mainInfo             // mainInfo.eventObjects[].name
    case policies             // policies[] (text, or an object's id / _id)

    /// Dispatches on the length first: a record has ~40 keys and most are skipped, so most
    /// keys are rejected after one comparison.
    @inline(__always)
    init?(_ key: UnsafeBufferPointer<UInt8>) {
        let found: RecordKey?
        switch key.count {
        case 3: found = JSONScanner.equal(key, "_id") ? .id : nil
        case 4: found = JSONScanner.equal(key, "user") ? .user : nil
        case 5: found = JSONScanner.equal(key, "appId") ? .appId : nil
        case 6: found = JSONScanner.equal(key, "device") ? .device : nil
        case 7:
            found = JSONScanner.equal(key, "created") ? .created
                : JSONScanner.equal(key, "appName") ? .appName : nil
        case 8:
            found = JSONScanner.equal(key, "mainInfo") ? .mainInfo
                : JSONScanner.equal(key, "policies") ? .policies : nil
        case 9: found = JSONScanner.equal(key, "timestamp") ? .timestamp : nil
        case 11: found = JSONScanner.equal(key, "description") ? .description : nil
        case 13: found = JSONScanner.equal(key, "eventTypeName") ? .eventTypeName : nil
        case 14: found = JSONScanner.equal(key, "failedUserData") ? .failedUserData : nil
        case 20: found = JSONScanner.equal(key, "description_metadata") ? .descriptionMetadata : nil
        default: found = nil
        }
        guard let found else { return nil }
        self = found
    }
}

extension JSONScanner {
    /// The record key a key token names, unescaping it first if needed.
    @inline(__always)
    func recordKey(_ token: StringToken) -> RecordKey? {
        if token.hasEscapes {
            return unescapedBytes(token).withUnsafeBufferPointer { RecordKey($0) }
        }
        return RecordKey(rawBytes(token))
    }

    /// The text of member `name` of the object at the cursor (`user.userName`, …); nil when
    /// the value is not an object or lacks the member. A repeated key: the last one wins.
    mutating func readMemberText(_ name: StaticString, depth: Int) throws(ActivityJSONError) -> String? {
        guard try peek(expecting: "a value") == ASCII.openBrace else {
            try skipValue(depth: depth)
            return nil
        }
        var text: String?
        if try enterObject(depth: depth) {
            repeat {
                let key = try readKey()
                if self.key(key, is: name) {
                    text = try readText(depth: depth &+ 1)
                } else {
                    try skipValue(depth: depth &+ 1)
                }
            } while try nextMember()
        }
        return text
    }

    /// `device`: (`clientIP`, `userAgent`).
    mutating func readDevice(depth: Int) throws(ActivityJSONError) -> (clientIP: String?, userAgent: String?) {
        guard try peek(expecting: "a value") == ASCII.openBrace else {
            try skipValue(depth: depth)
            return (nil, nil)
        }
        var device: (clientIP: String?, userAgent: String?) = (nil, nil)
        if try enterObject(depth: depth) {
            repeat {
                let key = try readKey()
                if self.key(key, is: "clientIP") {
                    device.clientIP = try readText(depth: depth &+ 1)
                } else if self.key(key, is: "userAgent") {
                    device.userAgent = try readText(depth: depth &+ 1)
                } else {
                    try skipValue(depth: depth &+ 1)
                }
            } while try nextMember()
        }
        return device
    }

    /// `mainInfo.eventObjects[].name`: one entry per element, "" when an element is not an
    /// object or has no usable name, so that positions stay meaningful.
    mutating func readTargetObjectNames(depth: Int) throws(ActivityJSONError) -> [String] {
        guard try peek(expecting: "a value") == ASCII.openBrace else {
            try skipValue(depth: depth)
            return []
        }
        var names: [String] = []
        if try enterObject(depth: depth) {
            repeat {
                let key = try readKey()
                guard self.key(key, is: "eventObjects") else {
                    try skipValue(depth: depth &+ 1)
                    continue
                }
                names = []
                guard try peek(expecting: "a value") == ASCII.openBracket else {
                    try skipValue(depth: depth &+ 1)
                    continue
                }
                if try enterArray(depth: depth &+ 1) {
                    repeat {
                        names.append(try readMemberText("name", depth: depth &+ 2) ?? "")
                    } while try nextElement()
                }
            } while try nextMember()
        }
        return names
    }

    /// `policies`: each element's text, or an object element's `id` (else `_id`). Elements
    /// that yield no text (`null`, arrays, objects without an id) are left out: an empty entry
    /// would name no policy. A single non-array value is read as a one-element list.
    mutating func readPolicyIDs(depth: Int) throws(ActivityJSONError) -> [String] {
        guard try peek(expecting: "a value") == ASCII.openBracket else {
            return try readPolicyID(depth: depth).map { [$0] } ?? []
        }
        var ids: [String] = []
        if try enterArray(depth: depth) {
            repeat {
                if let id = try readPolicyID(depth: depth &+ 1) { ids.append(id) }
            } while try nextElement()
        }
        return ids
    }

    private mutating func readPolicyID(depth: Int) throws(ActivityJSONError) -> String? {
        guard try peek(expecting: "a value") == ASCII.openBrace else {
            return try readText(depth: depth)
        }
        var id: String?
        var underscoreID: String?
        if try enterObject(depth: depth) {
            repeat {
                let key = try readKey()
                if self.key(key, is: "id") {
                    id = try readText(depth: depth &+ 1)
                } else if self.key(key, is: "_id") {
                    underscoreID = try readText(depth: depth &+ 1)
                } else {
                    try skipValue(depth: depth &+ 1)
                }
            } while try nextMember()
        }
        return id ?? underscoreID
    }
}
