import MDCA
import Yams

extension ConfigReader {
    /// Validates `activities.filters` against the documented activity filter table (MDCA's
    /// `FilterValidator`: known field, allowed operator, value shape, closest-name hints) and
    /// turns every problem into one exit-78 error naming the file, line and key path.
    func validateFilters(_ filters: ConfigValue, node: Node, keyPath: String) throws(ConfigError) {
        do {
            _ = try FilterValidator.validate(filters.filterValue, keyPath: keyPath)
        } catch {
            guard let first = error.problems.first else { return }
            // Point at the offending key's line when it can be found, else the block's.
            let relative = first.keyPath.dropFirst(keyPath.count).split(separator: ".").first.map(String.init)
            let at = relative.flatMap { node[$0] } ?? node
            let others = error.problems.dropFirst().map(\.description)
            var message = first.message
            if !others.isEmpty { message += " (also: \(others.joined(separator: "; ")))" }
            throw self.error(first.keyPath, at: at, message)
        }
    }
}

extension ConfigValue {
    /// The same value in the MDCA module's filter model.
    var filterValue: FilterValue {
        switch self {
        case .string(let s): .string(s)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .bool(let b): .bool(b)
        case .null: .null
        case .array(let items): .array(items.map(\.filterValue))
        case .object(let members):
            .object(Dictionary(members.map { ($0.key, $0.value.filterValue) }, uniquingKeysWith: { _, last in last }))
        }
    }
}

extension ActivitiesConfig {
    /// The configured filters, validated at load time, in the form the scan client sends
    /// (operator names normalised to the API's spelling).
    public var validatedFilters: [String: FilterValue] {
        guard let filters else { return [:] }
        return (try? FilterValidator.validate(filters.filterValue)) ?? [:]
    }
}
