/// Why configured filters were refused: every problem found, each naming its key path.
public struct FilterValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One refused key.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Dotted key path in the configuration, e.g. `activities.filters.user.usrname`.
        public var keyPath: String
        /// What is wrong and what was expected.
        public var message: String
        public var description: String { "\(keyPath): \(message)" }
    }

    public var problems: [Problem]
    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// Checks configured filters against a documented filter table (activities: ``FilterTable``,
/// alerts: ``AlertFilterTable``) before they are ever sent: a typo must be a configuration
/// error at start-up, not a 400 at 3 a.m.
public enum FilterValidator {
    /// Validates `filters` (a mapping of field → {operator: value}) and returns it with operator
    /// names normalised to the API's lower-case spelling.
    /// - Parameter keyPath: where the filters sit in the configuration, for error messages.
    /// - Parameter schema: the table to check against (the activity table by default).
    public static func validate(
        _ filters: FilterValue, keyPath: String = "activities.filters", schema: FilterSchema = FilterTable.schema
    ) throws(FilterValidationError) -> [String: FilterValue] {
        var problems: [FilterValidationError.Problem] = []
        func fail(_ path: String, _ message: String) {
            problems.append(.init(keyPath: path, message: message))
        }
        let members: [String: FilterValue]
        switch filters {
        case .null: return [:]
        case .object(let m): members = m
        default:
            throw FilterValidationError(problems: [
                .init(keyPath: keyPath, message: "expected a mapping of filter field to {operator: value}, found \(filters.kindName)")
            ])
        }
        var normalised: [String: FilterValue] = [:]
        for name in members.keys.sorted(by: FilterValue.byteOrder) {
            guard let spec = members[name] else { continue }
            let path = "\(keyPath).\(name)"
            if let why = schema.managed[name] {
                fail(path, why)
                continue
            }
            guard let field = schema.field(named: name) else {
                let names = schema.fields.map(\.name).filter { schema.managed[$0] == nil }
                if let guess = EditDistance.suggestion(for: name, among: names) {
                    fail(path, "unknown filter field '\(name)'; did you mean '\(guess)'?")
                } else {
                    fail(path, "unknown filter field '\(name)'; expected one of: \(names.joined(separator: ", "))")
                }
                continue
            }
            guard case .object(let operators) = spec, !operators.isEmpty else {
                fail(path, "expected a mapping of operator to value, e.g. {eq: [...]}, with one of the operators \(allowed(field)); found \(spec.kindName)")
                continue
            }
            var normalisedOperators: [String: FilterValue] = [:]
            for opName in operators.keys.sorted(by: FilterValue.byteOrder) {
                guard let value = operators[opName] else { continue }
                let opPath = "\(path).\(opName)"
                guard let op = FilterOperator(caseInsensitive: opName), field.operators.contains(op) else {
                    let suggestion = EditDistance.suggestion(for: opName, among: field.operators.map(\.rawValue))
                    let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
                    fail(opPath, "operator '\(opName)' is not supported by '\(field.name)' (\(field.type.rawValue)); expected one of \(allowed(field))\(hint)")
                    continue
                }
                if normalisedOperators[op.rawValue] != nil {
                    fail(opPath, "operator '\(op.rawValue)' is given twice (operator names are case-insensitive)")
                    continue
                }
                if let problem = ValueShape.check(value, operator: op, type: field.type) {
                    fail(problem.suffix.isEmpty ? opPath : opPath + problem.suffix, problem.message)
                    continue
                }
                normalisedOperators[op.rawValue] = value
            }
            normalised[name] = .object(normalisedOperators)
        }
        if !problems.isEmpty { throw FilterValidationError(problems: problems) }
        return normalised
    }

    private static func allowed(_ field: FilterField) -> String {
        field.operators.map(\.rawValue).joined(separator: ", ")
    }
}
