import Yams

extension ConfigReader {
    /// The operators of the documented activity filter table (PRODUCT §2).
    static let filterOperators: Set<String> = [
        "eq", "neq", "gt", "gte", "lt", "lte", "range", "gte_ndays", "lte_ndays", "isset", "isnotset",
        "contains", "ncontains", "startswith", "doesnotstartwith", "endswith", "startswithsingle", "text",
    ]

    /// Validates `activities.filters`.
    ///
    /// LEAD: wire this to the MDCA module's `FilterValidator` (branch `mdca`), mapping its error
    /// (field, operator, expectation) into `error("\(keyPath).<field>", at: node, …)`. Until
    /// then it checks the shape only: `field: {operator: value}` with a documented operator,
    /// and no `created` filter, which the forwarder owns (it is the cursor, PRODUCT §3).
    func validateFilters(_ filters: ConfigValue, node: Node, keyPath: String) throws(ConfigError) {
        guard case .object(let fields) = filters else {
            throw error(keyPath, at: node, "expected a mapping of field: {operator: value}")
        }
        for field in fields {
            let fieldPath = keyPath + "." + field.key
            let fieldNode = node[field.key]
            if field.key == "created" {
                throw error(fieldPath, at: fieldNode, "the forwarder sets the created filter itself (it is the cursor); remove it, or use `checkpoint set --since` for backfills")
            }
            guard case .object(let operators) = field.value, !operators.isEmpty else {
                throw error(fieldPath, at: fieldNode, "expected a mapping of operator: value, e.g. {eq: [...]}")
            }
            for item in operators where !Self.filterOperators.contains(item.key) {
                var message = "unknown filter operator \(ConfigValue.quoted(item.key))"
                if let suggestion = KeySuggestion.closest(to: item.key, in: Self.filterOperators.sorted()) {
                    message += "; did you mean `\(suggestion)`?"
                }
                throw error(fieldPath + "." + item.key, at: fieldNode?[item.key], message)
            }
        }
    }
}
