import Formats
import Testing

/// The checkers of the end-to-end suite must be able to fail: a duplicate, a loss, a changed
/// field, an injected line and a forged key are each caught.
struct AuditSelfTests {
    static let record = Array(#"""
        {"_id":"id-1","created":1700000000000,"timestamp":1699999990000,"appName":"Office 365","appId":11161,"description":"Log on: a=b \\ c\nd","user":{"userName":"alice@contoso.com"},"device":{"clientIP":"2001:db8::1","userAgent":"ua|x"},"mainInfo":{"eventObjects":[{"name":"f,1"},{"name":"g"}]},"policies":["p1",{"id":"p2"}]}
        """#.utf8)
    static let options = MessageOptions(cef: CEFOptions(version: "1.0", portalURL: "http://127.0.0.1:1"))
    static let channel = Pipeline.Channel(name: "t", payload: .cef, options: options)

    @Test func expectedFieldsFollowTheMappingAndEscaping() throws {
        let expected = try ExpectedCEF(json: Self.record, options: Self.options)
        #expect(expected.fields["msg"] == #"Log on: a\=b \\ c\nd"#)
        #expect(expected.fields["dvc"] == "" && expected.fields["c6a1"] == "2001:db8::1")
        #expect(expected.fields["cs3"] == "f,1,g" && expected.fields["cs4"] == "p1,p2")
        let line = try CEFLine(expected.payload)
        #expect(expected.mismatches(in: line).isEmpty)
        #expect(line.header[4] == "EVENT_CATEGORY_UNSPECIFIED" && line.header[5] == "Log on")
        #expect(CEFLine.unescape(line["msg"] ?? "") == "Log on: a=b \\ c\nd")
    }

    @Test func auditCatchesDuplicatesLossesChangesAndInjectedLines() throws {
        let expected = try ExpectedCEF(json: Self.record, options: Self.options)
        let records = ["id-1": Self.record, "id-2": Self.record]
        let cef = ["id-1": expected]
        let good = DeliveryAudit(channel: Self.channel, lines: [expected.payload], records: ["id-1": Self.record], cef: cef)
        #expect(good.isPerfect, "\(good)")

        let dup = DeliveryAudit(channel: Self.channel, lines: [expected.payload, expected.payload], records: records, cef: cef)
        #expect(dup.duplicates == ["id-1"] && dup.missing == ["id-2"])

        let changed = expected.payload.replacingOccurrences(of: "suser=alice", with: "suser=mallory")
        let bad = DeliveryAudit(channel: Self.channel, lines: [changed, "d", "CEF:0|x"], records: ["id-1": Self.record], cef: cef)
        #expect(bad.mismatches.count >= 2, "payload and suser differ: \(bad.mismatches)")
        #expect(bad.unparseable.count == 2)

        // An unescaped `=` in a value makes a forged key: caught as a field mismatch.
        let forged = expected.payload.replacingOccurrences(of: #"a\=b"#, with: "a suser=root")
        let forgedAudit = DeliveryAudit(channel: Self.channel, lines: [forged], records: ["id-1": Self.record], cef: cef)
        #expect(!forgedAudit.mismatches.isEmpty)
    }

    @Test func rfc3164HeaderIsCheckedAndStripped() {
        let line = "<134>Nov 21 19:59:51 host mdca-forwarder[42]: CEF:0|MCAS|x"
        #expect(Pipeline.payload(of: line, .cefAfter3164Header) == "CEF:0|MCAS|x")
        #expect(Pipeline.payload(of: "<13>" + line.dropFirst(5), .cefAfter3164Header) == nil)
    }
}
