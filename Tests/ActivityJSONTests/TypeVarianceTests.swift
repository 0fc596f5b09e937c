import ActivityJSON
import Testing

/// Records are loosely typed (PRODUCT §2): unexpected types read as text or nil, never throw.
@Suite struct TypeVarianceTests {
    private func record(_ json: String) throws -> ActivityRecord {
        try ActivityRecord.parse(Array(json.utf8))
    }

    @Test(arguments: [
        (#"{"appId":"11161"}"#, "11161"),
        (#"{"appId":11161}"#, "11161"),
        (#"{"appId":-1.50e+3}"#, "-1.50e+3"),
        (#"{"appId":true}"#, "true"),
        (#"{"appId":false}"#, "false"),
    ])
    func scalarTextKeepsTheLiteral(json: String, expected: String) throws {
        #expect(try record(json).appId == expected)
    }

    @Test(arguments: [#"{"appId":null}"#, #"{"appId":{"a":1}}"#, #"{"appId":[1,2]}"#, #"{}"#])
    func nullObjectArrayOrMissingReadAsNil(json: String) throws {
        #expect(try record(json).appId == nil)
    }

    @Test(arguments: [
        (#"{"created":1626197535294}"#, Int64(1_626_197_535_294)),
        (#"{"created":"1626197535294"}"#, 1_626_197_535_294),
        (#"{"created":1626197535294.9}"#, 1_626_197_535_294),
        (#"{"created":1.6e12}"#, 1_600_000_000_000),
        (#"{"created":-5}"#, -5),
        (#"{"created":"-5"}"#, -5),
        (#"{"created":"\u0031\u0032"}"#, 12),
    ])
    func createdFromNumbersAndDigitStrings(json: String, expected: Int64) throws {
        #expect(try record(json).created == expected)
    }

    @Test(arguments: [
        #"{"created":"12a"}"#, #"{"created":""}"#, #"{"created":"+5"}"#, #"{"created":"1.5"}"#,
        #"{"created":null}"#, #"{"created":true}"#, #"{"created":{}}"#, #"{"created":[1]}"#,
        #"{"created":99999999999999999999}"#, #"{"created":1e300}"#,
    ])
    func unusableCreatedIsNil(json: String) throws {
        #expect(try record(json).created == nil)
    }

    @Test func idFromNumberAndMissingID() throws {
        #expect(try record(#"{"_id":42}"#).id == "42")
        #expect(try record(#"{"_id":null}"#).id == "")
        #expect(try record(#"{"x":1}"#).id == "")
    }

    @Test func nestedGroupsOfTheWrongTypeReadAsNil() throws {
        let r = try record(#"{"user":"bob","failedUserData":null,"device":[1],"description_metadata":7,"mainInfo":"x"}"#)
        #expect(r.userName == nil && r.failedUserName == nil && r.clientIP == nil && r.userAgent == nil)
        #expect(r.eventCategory == nil)
        #expect(r.targetObjectNames.isEmpty)
    }

    @Test func entityDataAsObjectOrArrayIsSkipped() throws {
        let asObject = try record(#"{"entityData":{"0":null,"1":{"id":{"saas":1}},"2":null},"_id":"a"}"#)
        let asArray = try record(#"{"entityData":[{"id":{"saas":1}}],"_id":"a"}"#)
        #expect(asObject.id == "a" && asArray.id == "a")
    }

    @Test func targetObjectsKeepTheirPositions() throws {
        let r = try record(#"{"mainInfo":{"eventObjects":[{"name":"a"},{"name":null},{"name":5},"s",{},{"name":{"x":1}}]}}"#)
        #expect(r.targetObjectNames == ["a", "", "5", "", "", ""])
    }

    @Test func policiesFromStringsNumbersAndObjects() throws {
        let r = try record(#"{"policies":["p1",2,{"id":"p3","_id":"no"},{"_id":"p4"},{"name":"x"},null,[]]}"#)
        #expect(r.policyIDs == ["p1", "2", "p3", "p4"])
        #expect(try record(#"{"policies":"solo"}"#).policyIDs == ["solo"])
        #expect(try record(#"{"policies":null}"#).policyIDs == [])
    }

    @Test func repeatedKeysLastOneWins() throws {
        let r = try record(#"{"_id":"a","_id":"b","device":{"clientIP":"1.1.1.1","userAgent":"u"},"device":{"clientIP":"2.2.2.2"},"user":{"userName":"x","userName":"y"}}"#)
        #expect(r.id == "b")
        #expect(r.clientIP == "2.2.2.2")
        #expect(r.userAgent == nil)  // the later `device` replaced the whole group
        #expect(r.userName == "y")
    }

    @Test func keysAreCaseSensitiveAndMayBeEscaped() throws {
        #expect(try record(#"{"ID":"a","_Id":"b"}"#).id == "")
        #expect(try record(#"{"\u005fid":"a","app\u004eame":"n"}"#).id == "a")
        #expect(try record(#"{"app\u004eame":"n"}"#).appName == "n")
    }

    @Test func nonObjectDataElementsBecomeRecordsWithoutID() throws {
        let page = try ActivityPage.parse(Array(#"{"data":[{"_id":"a"},"odd",7,null,[1,{"b":2}]]}"#.utf8))
        #expect(page.records.map(\.id) == ["a", "", "", "", ""])
        #expect(page.records.map { String(decoding: $0.rawJSON, as: UTF8.self) }
            == [#"{"_id":"a"}"#, #""odd""#, "7", "null", #"[1,{"b":2}]"#])
        #expect(try ActivityRecord.parse(Array(#" "odd" "#.utf8)).rawJSON.elementsEqual(#""odd""#.utf8))
    }
}
