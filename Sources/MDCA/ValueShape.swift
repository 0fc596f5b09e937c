/// The value each operator takes (PRODUCT §2): `eq neq` lists, `gt gte lt lte` a single
/// number, `range` a list of `{start, end}`, `gte_ndays lte_ndays` a number, `isset isnotset`
/// a boolean, `contains ncontains startswith doesnotstartwith endswith` lists of strings,
/// `startswithsingle text` a string.
enum ValueShape {
    /// A refused value: `suffix` extends the key path (e.g. `[2]`), `message` says what was expected.
    struct Problem {
        var suffix: String
        var message: String
    }

    static func check(_ value: FilterValue, operator op: FilterOperator, type: FilterFieldType) -> Problem? {
        switch op {
        case .eq, .neq:
            return checkEqualityList(value, type: type)
        case .gt, .gte, .lt, .lte:
            guard case .int = value else {
                return Problem(suffix: "", message: "expected a single Unix timestamp in milliseconds (an integer), found \(value.kindName)")
            }
            return nil
        case .range:
            return checkRange(value)
        case .gteNdays, .lteNdays:
            switch value {
            case .int(let n) where n >= 0: return nil
            case .double(let d) where d >= 0 && d.isFinite: return nil
            default: return Problem(suffix: "", message: "expected a non-negative number of days, found \(value.kindName)")
            }
        case .isset, .isnotset:
            guard case .bool = value else {
                return Problem(suffix: "", message: "expected a boolean (true or false), found \(value.kindName)")
            }
            return nil
        case .contains, .ncontains, .startswith, .doesnotstartwith, .endswith:
            return checkList(value, what: "a non-empty list of strings, e.g. [\"abc\"]") { element in
                if case .string = element { return true }
                return false
            }
        case .startswithsingle, .text:
            guard case .string = value else {
                return Problem(suffix: "", message: "expected a single string, found \(value.kindName)")
            }
            return nil
        }
    }

    private static func checkEqualityList(_ value: FilterValue, type: FilterFieldType) -> Problem? {
        switch type {
        case .integer:
            return checkList(value, what: "a non-empty list of integers, e.g. [11770]") { element in
                if case .int = element { return true }
                return false
            }
        case .string:
            // `null` is a documented value for e.g. activity.takenAction and device.type ("No value").
            return checkList(value, what: "a non-empty list of strings, e.g. [\"value\"]") { element in
                switch element {
                case .string, .null: return true
                default: return false
                }
            }
        case .boolean:
            // The table describes these as "if set to true": a bare boolean is accepted too.
            if case .bool = value { return nil }
            return checkList(value, what: "a boolean or a non-empty list of booleans, e.g. [true]") { element in
                if case .bool = element { return true }
                return false
            }
        case .file:
            return checkList(value, what: "a non-empty list of file ids or file selector mappings") { element in
                switch element {
                case .string, .object: return true
                default: return false
                }
            }
        case .entity:
            return checkList(value, what: "a non-empty list of entity mappings, e.g. [{id: \"entity-id\", saas: 11161, inst: 0}]") { element in
                guard case .object(let members) = element, case .string? = members["id"] else { return false }
                for key in ["saas", "inst"] {
                    if let v = members[key] { guard case .int = v else { return false } }
                }
                return true
            }
        case .timestamp:
            return checkList(value, what: "a non-empty list of Unix timestamps in milliseconds") { element in
                if case .int = element { return true }
                return false
            }
        }
    }

    private static func checkRange(_ value: FilterValue) -> Problem? {
        checkList(value, what: "a non-empty list of {start: ms, end: ms} mappings with start <= end") { element in
            guard case .object(let members) = element, members.count == 2,
                case .int(let start)? = members["start"], case .int(let end)? = members["end"]
            else { return false }
            return start <= end
        }
    }

    /// The API wants lists even for one value: a bare scalar is refused with the expected shape.
    private static func checkList(
        _ value: FilterValue, what: String, element isValid: (FilterValue) -> Bool
    ) -> Problem? {
        guard case .array(let items) = value else {
            return Problem(suffix: "", message: "expected \(what), found \(value.kindName)")
        }
        if items.isEmpty { return Problem(suffix: "", message: "expected \(what), found an empty list") }
        for (i, item) in items.enumerated() where !isValid(item) {
            return Problem(suffix: "[\(i)]", message: "expected \(what); this element is \(item.kindName)")
        }
        return nil
    }
}
