import MDCA
import Testing

@Test func theScanBodyIsExactlyTheDocumentedShape() {
    let body = ScanRequest.body(filtersJSON: Array(#"{"a":{"eq":[1]}}"#.utf8), limit: 500)
    #expect(String(decoding: body, as: UTF8.self)
        == #"{"filters":{"a":{"eq":[1]}},"isScan":true,"sortField":"created","sortDirection":"asc","limit":500}"#)
}

@Test func nextQueryFiltersAreSentVerbatim() {
    // Odd spacing and key order from the service must survive byte for byte.
    let next = Array(#"{ "created":{"gte":1,"lte":2},"_id":{"gt":"x\u00e9"} }"#.utf8)
    let body = ScanRequest.body(filtersJSON: next, limit: 5000)
    #expect(Array(body[11..<(11 + next.count)]) == next)
    #expect(String(decoding: body, as: UTF8.self).hasSuffix(#""limit":5000}"#))
}

@Test(arguments: [(1, 500), (499, 500), (500, 500), (1234, 1234), (5000, 5000), (5001, 5000), (100_000, 5000)])
func theLimitIsKeptInsideTheAPIRange(requested: Int, sent: Int) {
    let body = String(decoding: ScanRequest.body(filtersJSON: Array("{}".utf8), limit: requested), as: UTF8.self)
    #expect(body.hasSuffix(#""limit":\#(sent)}"#))
}

@Test func theFirstPageAddsTheCreatedRangeToTheConfiguredFilters() {
    let filters = ScanRequest.firstPageFilters(
        configured: ["service": .object(["eq": .array([.int(11770)])]), "user.domain": .object(["neq": .array([.string("x.com")])])],
        fromMs: 1_700_000_000_000, untilMs: 1_700_000_060_000)
    #expect(String(decoding: filters, as: UTF8.self)
        == #"{"created":{"gte":1700000000000,"lte":1700000060000},"service":{"eq":[11770]},"user.domain":{"neq":["x.com"]}}"#)
    #expect(String(decoding: ScanRequest.firstPageFilters(configured: [:], fromMs: 1, untilMs: 2), as: UTF8.self)
        == #"{"created":{"gte":1,"lte":2}}"#)
}

@Test func filterValuesSerialiseAsDeterministicJSON() {
    let value = FilterValue.object([
        "z": .array([.string("a\"b\\c\n\u{01}é"), .null, .bool(false), .double(1.5), .double(2), .int(-3)]),
        "a": .object([:]),
    ])
    #expect(String(decoding: value.jsonBytes(), as: UTF8.self)
        == #"{"a":{},"z":["a\"b\\c\n\u0001é",null,false,1.5,2,-3]}"#)
    #expect(FilterValue.double(.nan).jsonBytes() == Array("null".utf8))
}
