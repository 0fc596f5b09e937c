import ActivityJSON
import Foundation
import Testing

@Suite struct PageTests {
    @Test func wrapperFieldsAndVerbatimNextQueryFilters() throws {
        let filters = #"{"created":{"gte":1626197535294,"lte":1626197999999},"_id":{"gt":"710e\u00e9 x"},"date":{"range":[{"start":1,"end":2.5e3}]}}"#
        let body = #"{"total":3,"data":[{"_id":"a"}],"hasNext":true,"nextQueryFilters":"# + filters + #","extra":{"x":[null]}}"#
        let page = try ActivityPage.parse(Array(body.utf8))
        #expect(page.hasNext)
        #expect(page.total == 3)
        #expect(page.records.map(\.id) == ["a"])
        #expect(page.nextQueryFilters == Array(filters.utf8))
    }

    @Test func absentOrNullFiltersAndDefaults() throws {
        let bare = try ActivityPage.parse(Array(#"{"data":[]}"#.utf8))
        #expect(bare == ActivityPage(records: [], hasNext: false, nextQueryFilters: nil, total: nil))
        let nulls = try ActivityPage.parse(Array(#"{"data":[],"hasNext":null,"nextQueryFilters":null,"total":"x"}"#.utf8))
        #expect(nulls == bare)
        let last = try ActivityPage.parse(Array(#"{"data":[{"_id":"a"}],"hasNext":true,"data":[],"hasNext":false}"#.utf8))
        #expect(last == bare)
    }

    @Test func prettyPrintedPageGivesOneLineRecordsThatParseBackEqual() throws {
        let records = try Samples.realRecords()
        let compact = Samples.page(records, tail: #","hasNext":true,"nextQueryFilters":{"created":{"gte":1}},"total":3"#)
        let object = try foundationObject(compact)
        let pretty = try [UInt8](JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
        #expect(pretty.contains(UInt8(ascii: "\n")))

        let page = try ActivityPage.parse(pretty)
        try #require(page.records.count == 3)
        for (parsed, original) in zip(page.records, records) {
            #expect(!parsed.rawJSON.contains(UInt8(ascii: "\n")) && !parsed.rawJSON.contains(UInt8(ascii: "\r")))
            #expect(!parsed.rawJSON.contains(UInt8(ascii: " ")) || parsed.rawJSON.contains(UInt8(ascii: "\"")))
            let reparsed = try foundationObject(parsed.rawJSON) as? NSDictionary
            let expected = try foundationObject(original) as? NSDictionary
            #expect(reparsed != nil && reparsed == expected)
            var fromCompact = try ActivityRecord.parse(original)
            fromCompact.rawJSON = parsed.rawJSON
            #expect(parsed == fromCompact)
        }
        #expect(page.nextQueryFilters == Array(#"{"created":{"gte":1}}"#.utf8))
        #expect(page.total == 3 && page.hasNext)
    }

    @Test func whitespaceInsideStringsSurvivesCompaction() throws {
        let body = "{\r\n \"data\" : [ {\n\t\"_id\" : \"a b\\\" \\\\\",\n \"d\" : [ 1 , \" x \" ]\n} ]\n}\n"
        let page = try ActivityPage.parse(Array(body.utf8))
        let raw = try #require(page.records.first?.rawJSON)
        #expect(String(decoding: raw, as: UTF8.self) == #"{"_id":"a b\" \\","d":[1," x "]}"#)
        #expect(page.records.first?.id == #"a b" \"#)
    }

    @Test func compactRecordsAreSlicesOfTheBody() throws {
        let body = Array(#"{"data":[ {"_id":"a"} , {"_id":"b"} ]}"#.utf8)
        let page = try ActivityPage.parse(body)
        #expect(page.records.map(\.rawJSON.startIndex) == [10, 24])
        #expect(page.records.map { Array($0.rawJSON) } == [Array(#"{"_id":"a"}"#.utf8), Array(#"{"_id":"b"}"#.utf8)])
    }

    @Test func oneLineRecordsInALineBrokenPageAreStillSlices() throws {
        let body = Array("{\n  \"data\": [\n    {\"_id\":\"a\"},\r\n    {\n\"_id\":\"b\"}\n  ]\n}\n".utf8)
        let page = try ActivityPage.parse(body)
        try #require(page.records.count == 2)
        #expect(page.records[0].rawJSON.startIndex == 18)  // shares the body's storage
        #expect(page.records[1].rawJSON.startIndex == 0)   // spanned lines: a compacted copy
        #expect(page.records.map { Array($0.rawJSON) } == [Array(#"{"_id":"a"}"#.utf8), Array(#"{"_id":"b"}"#.utf8)])
    }
}
