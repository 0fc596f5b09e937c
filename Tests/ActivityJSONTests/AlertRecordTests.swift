import ActivityJSON
import Foundation
import Testing

/// The real alerts of samples/alerts-real.json and the leniency rules of PRODUCT §9.
@Suite struct AlertRecordTests {
    @Test func realFileAlertFromATenant() throws {
        let raw = try Samples.realAlerts()[0]
        let alert = try AlertRecord.parse(raw)
        #expect(alert.id == "5f06d71dba4289d0602ba5ac")
        #expect(alert.timestamp == 1_594_283_802_753)
        #expect(alert.title == "block png files")
        #expect(alert.description == "File policy 'block png files' __siteIcon__ was matched by 'image (2).png'")
        #expect(alert.entities.map(\.type) == ["policyRule", "service", "file", "account", "user"])
        #expect(alert.entities[0] == AlertEntity(type: "policyRule", id: "5f01dce13de79160fbec4150", label: "block png files", policyType: "FILE"))
        #expect(alert.entity(ofType: "service")?.id == "15600")
        #expect(alert.entity(ofType: "account")?.principal == "dev@demistodev.onmicrosoft.com")
        #expect(alert.policy?.policyType == "FILE")
        #expect(alert.threatScore == "19")
        #expect(alert.severityValue == 0 && alert.statusValue == 1 && alert.resolutionStatusValue == nil)
        #expect(alert.stories == [0])
        #expect(alert.isSystemAlert == false)
        #expect(alert.handledByUser == nil) // the STRING "null"
        #expect(alert.resolveTime == "2020-07-12T07:48:40.975Z")
        #expect(alert.resolvedAtMs == 1_594_540_120_975)
        #expect(alert.url == "https://demistodev.portal.cloudappsecurity.com/#/alerts/5f06d71dba4289d0602ba5ac")
        // Pretty-printed input: rawJSON is the same value compacted onto one line.
        #expect(!alert.rawJSON.contains(0x0A))
        let reparsed = try #require(try JSONSerialization.jsonObject(with: Data(alert.rawJSON)) as? NSDictionary)
        #expect(reparsed == (try JSONSerialization.jsonObject(with: Data(raw)) as? NSDictionary))
    }

    @Test func documentationExampleInAPage() throws {
        let records = try Samples.realAlerts()
        let page = try AlertPage.parse(Samples.page(records, tail: #","hasNext":true,"total":2"#))
        #expect(page.hasNext && page.total == 2)
        #expect(page.records.map(\.id) == ["5f06d71dba4289d0602ba5ac", "603f704aaf7417985bbf3b22"])
        let doc = page.records[1]
        #expect(doc.resolutionStatusValue == 0 && doc.severityValue == 1)
        #expect(doc.handledByUser == "administrator@contoso.com")
        #expect(doc.entities.count == 8 && doc.entities.last?.type == "groupTag")
        #expect(doc.entities[0].role == "Source" && doc.entities[0].principal == "user1@contoso.com")
        #expect(doc.audits.isEmpty && doc.policy == nil)
    }

    @Test func typeVarianceNeverFailsAPage() throws {
        let body = #"""
        {"data":[
          {"_id":12345,"timestamp":"1600000000000","title":["x"],"entities":{"type":"user"},"severityValue":"2",
           "threatScore":7.5,"audits":"1_a","stories":[1,"x",3],"handledByUser":null,"resolveTime":17,
           "policy":"p","isSystemAlert":"maybe","resolutionDate":1600000001000},
          "not an object",
          {"entities":[1,{"type":"ip","id":"10.0.0.1"},null],"timestamp":1.6e12}
        ],"hasNext":false}
        """#
        let page = try AlertPage.parse(Array(body.utf8))
        #expect(page.records.count == 3)
        let a = page.records[0]
        #expect(a.id == "12345" && a.timestamp == 1_600_000_000_000 && a.title == nil)
        #expect(a.entities.isEmpty && a.severityValue == 2 && a.threatScore == "7.5")
        #expect(a.audits == ["1_a"] && a.stories == [1, 3] && a.handledByUser == nil)
        #expect(a.resolveTime == "17" && a.policy == nil && a.isSystemAlert == nil)
        #expect(a.resolvedAtMs == 1_600_000_001_000) // resolutionDate wins
        #expect(page.records[1].id == "" && String(decoding: page.records[1].rawJSON, as: UTF8.self) == #""not an object""#)
        #expect(page.records[2].entities.count == 3 && page.records[2].entities[1].id == "10.0.0.1")
        #expect(page.records[2].timestamp == 1_600_000_000_000)
    }

    @Test func malformedBodiesThrowNamingAlerts() {
        for body in [#"{"data":[{"_id":"a"}"#, #"{"hasNext":true}"#, "", #"{"data":{}}"#] {
            #expect(throws: ActivityJSONError.self) { try AlertPage.parse(Array(body.utf8)) }
            do {
                _ = try AlertPage.parse(Array(body.utf8))
            } catch {
                #expect(error.description.hasPrefix("invalid alerts page"), "\(error)")
            }
        }
    }

    @Test(arguments: [
        ("2020-07-12T07:48:40.975Z", Int64(1_594_540_120_975)),
        ("2020-07-12T07:48:40Z", 1_594_540_120_000),
        ("2020-07-12T09:48:40.9+02:00", 1_594_540_120_900),
        ("1970-01-01T00:00:00.000123Z", 0),
        ("2000-02-29T23:59:59.999Z", 951_868_799_999),
    ])
    func isoTimes(_ text: String, _ ms: Int64) {
        #expect(ISO8601Milliseconds.parse(text) == ms)
    }

    @Test(arguments: ["", "null", "2020-13-12T07:48:40Z", "2020-07-12T07:48:40", "2020-07-12T07:48:40.Z", "2020-07-12T07:48:40Zjunk"])
    func notISOTimes(_ text: String) {
        #expect(ISO8601Milliseconds.parse(text) == nil)
    }
}
