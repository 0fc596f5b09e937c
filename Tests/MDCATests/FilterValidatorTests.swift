import MDCA
import Testing

/// A valid value for every operator of a field of the given type.
private func validValue(_ op: FilterOperator, _ type: FilterFieldType) -> FilterValue {
    switch op {
    case .eq, .neq:
        switch type {
        case .integer: return .array([.int(11770), .int(20893)])
        case .string: return .array([.string("a"), .string("b")])
        case .boolean: return .array([.bool(true)])
        case .file: return .array([.string("file-id")])
        case .entity: return .array([.object(["id": .string("entity-id"), "saas": .int(11161), "inst": .int(0)])])
        case .timestamp: return .array([.int(1_700_000_000_000)])
        }
    case .gt, .gte, .lt, .lte: return .int(1_700_000_000_000)
    case .range: return .array([.object(["start": .int(1), "end": .int(2)])])
    case .gteNdays, .lteNdays: return .int(7)
    case .isset, .isnotset: return .bool(true)
    case .contains, .ncontains, .startswith, .doesnotstartwith, .endswith: return .array([.string("abc")])
    case .startswithsingle, .text: return .string("abc")
    }
}

private let documentedFields = FilterTable.fields.filter { $0.name != "created" }

private func problems(_ filters: FilterValue) -> [FilterValidationError.Problem] {
    do {
        _ = try FilterValidator.validate(filters)
        return []
    } catch {
        return error.problems
    }
}

@Test func theTableHoldsEveryDocumentedField() {
    #expect(FilterTable.fields.count == 33)
    #expect(FilterTable.field(named: "created")?.operators == [.lte, .gte, .range, .gt, .lt, .eq])
    #expect(FilterTable.field(named: "actionType")?.operators == [.contains, .eq, .neq, .isset, .isnotset])
    #expect(FilterTable.field(named: "date")?.type == .timestamp)
}

@Test(arguments: documentedFields)
func everyDocumentedOperatorAcceptsItsValue(field: FilterField) throws {
    for op in field.operators {
        let filters = FilterValue.object([field.name: .object([op.rawValue: validValue(op, field.type)])])
        let result = try FilterValidator.validate(filters)
        #expect(result[field.name] == .object([op.rawValue: validValue(op, field.type)]), "\(field.name).\(op.rawValue)")
    }
}

@Test(arguments: documentedFields)
func everyUndocumentedOperatorIsRefused(field: FilterField) {
    for op in FilterOperator.allCases where !field.operators.contains(op) {
        let found = problems(.object([field.name: .object([op.rawValue: validValue(op, field.type)])]))
        #expect(found.count == 1)
        #expect(found.first?.keyPath == "activities.filters.\(field.name).\(op.rawValue)")
        #expect(found.first?.message.contains("is not supported by '\(field.name)'") == true)
    }
}

@Test func operatorNamesAreCaseInsensitiveAndNormalised() throws {
    let result = try FilterValidator.validate(.object(["actionType": .object(["Contains": .array([.string("Login")])])]))
    #expect(result == ["actionType": .object(["contains": .array([.string("Login")])])])
}

@Test func aTypoInAFieldNameSuggestsTheDocumentedName() {
    let found = problems(.object(["user.usrname": .object(["eq": .array([.string("alice")])])]))
    #expect(found.map(\.keyPath) == ["activities.filters.user.usrname"])
    #expect(found.first?.message.contains("did you mean 'user.username'?") == true)

    let wrongCase = problems(.object(["Service": .object(["eq": .array([.int(1)])])]))
    #expect(wrongCase.first?.message.contains("did you mean 'service'?") == true)

    let nonsense = problems(.object(["zzzzzzzzzzzz": .object(["eq": .array([.int(1)])])]))
    #expect(nonsense.first?.message.contains("expected one of: service, instance") == true)
}

@Test func aTypoInAnOperatorSuggestsTheClosestAllowedOne() {
    let found = problems(.object(["user.username": .object(["startswth": .array([.string("a")])])]))
    #expect(found.first?.keyPath == "activities.filters.user.username.startswth")
    #expect(found.first?.message.contains("did you mean 'startswith'?") == true)
}

@Test func theCreatedFilterBelongsToTheForwarder() {
    let found = problems(.object(["created": .object(["gte": .int(1)])]))
    #expect(found.first?.keyPath == "activities.filters.created")
    #expect(found.first?.message.contains("managed by the forwarder") == true)
}

struct ShapeCase: Sendable, CustomTestStringConvertible {
    var field: String
    var op: String
    var value: FilterValue
    var path: String
    var expected: String
    var testDescription: String { "\(path) = \(value)" }
}

@Test(arguments: [
    ShapeCase(field: "service", op: "eq", value: .int(11770), path: "service.eq", expected: "a non-empty list of integers"),
    ShapeCase(field: "service", op: "eq", value: .array([.string("11770")]), path: "service.eq[0]", expected: "list of integers, e.g. [11770]; this element is a string"),
    ShapeCase(field: "service", op: "neq", value: .array([]), path: "service.neq", expected: "found an empty list"),
    ShapeCase(field: "user.username", op: "eq", value: .string("alice"), path: "user.username.eq", expected: "a non-empty list of strings"),
    ShapeCase(field: "user.username", op: "isset", value: .string("yes"), path: "user.username.isset", expected: "a boolean"),
    ShapeCase(field: "date", op: "gte", value: .array([.int(1)]), path: "date.gte", expected: "a single Unix timestamp in milliseconds"),
    ShapeCase(field: "date", op: "range", value: .array([.object(["start": .int(5), "end": .int(1)])]), path: "date.range[0]", expected: "start <= end"),
    ShapeCase(field: "date", op: "range", value: .object(["start": .int(1), "end": .int(5)]), path: "date.range", expected: "list of {start: ms, end: ms}"),
    ShapeCase(field: "date", op: "gte_ndays", value: .string("7"), path: "date.gte_ndays", expected: "number of days"),
    ShapeCase(field: "userAgent.userAgent", op: "contains", value: .array([.int(1)]), path: "userAgent.userAgent.contains[0]", expected: "list of strings"),
    ShapeCase(field: "text", op: "text", value: .array([.string("a")]), path: "text.text", expected: "a single string"),
    ShapeCase(field: "entity", op: "eq", value: .array([.object(["saas": .int(1)])]), path: "entity.eq[0]", expected: "entity mappings"),
    ShapeCase(field: "activity.impersonated", op: "eq", value: .string("true"), path: "activity.impersonated.eq", expected: "a boolean or a non-empty list of booleans"),
])
func wrongShapesNameThePathAndTheExpectedShape(_ c: ShapeCase) {
    let found = problems(.object([c.field: .object([c.op: c.value])]))
    #expect(found.count == 1)
    #expect(found.first?.keyPath == "activities.filters.\(c.path)")
    #expect(found.first?.message.contains(c.expected) == true, "\(found)")
}

@Test func everyProblemIsReportedAtOnce() {
    let found = problems(.object([
        "user.usrname": .object(["eq": .array([.string("a")])]),
        "service": .object(["eq": .int(1)]),
        "created": .object(["gte": .int(1)]),
    ]))
    #expect(found.count == 3)
}

@Test func theFiltersMustBeAMapping() {
    #expect(problems(.array([])).first?.keyPath == "activities.filters")
    #expect(problems(.object(["service": .array([.int(1)])])).first?.message.contains("mapping of operator to value") == true)
    #expect(problems(.object(["service": .object([:])])).first?.message.contains("mapping of operator to value") == true)
    #expect(problems(.null).isEmpty)
}

@Test func anErrorDescriptionIsOneLine() throws {
    let error = try #require(throws: FilterValidationError.self) {
        try FilterValidator.validate(.object(["user.usrname": .object(["eq": .array([.string("a")])])]), keyPath: "x.filters")
    }
    #expect(error.description.hasPrefix("x.filters.user.usrname: unknown filter field 'user.usrname'"))
    #expect(!error.description.contains("\n"))
}
