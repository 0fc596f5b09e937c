/// The operators of the Activities API filters (PRODUCT §2), by their wire names.
public enum FilterOperator: String, Sendable, CaseIterable {
    case eq, neq
    case gt, gte, lt, lte
    case range
    case gteNdays = "gte_ndays", lteNdays = "lte_ndays"
    case isset, isnotset
    case contains, ncontains, startswith, doesnotstartwith, endswith
    case startswithsingle, text

    /// Operator names are matched case-insensitively: Microsoft's own table writes `Contains`.
    public init?(caseInsensitive name: String) {
        self.init(rawValue: name.lowercased())
    }
}

/// The value type of a filter field, as the documented table names it.
public enum FilterFieldType: String, Sendable {
    case integer, string, boolean, file, timestamp
    /// `entity pk`: `{"id": …, "saas": …, "inst": …}` objects.
    case entity = "entity pk"
}

/// One row of a documented filter table (activities or alerts).
public struct FilterField: Sendable, Equatable {
    public var name: String
    public var type: FilterFieldType
    /// In the table's order.
    public var operators: [FilterOperator]

    public init(_ name: String, _ type: FilterFieldType, _ operators: [FilterOperator]) {
        self.name = name
        self.type = type
        self.operators = operators
    }
}

/// The documented activity filter table (`samples/activity-filters.md`, from Microsoft's
/// Activities API reference), as data.
public enum FilterTable {
    /// The field the forwarder owns: its cursor is a `created` range, so users may not set it.
    public static let createdField = FilterField("created", .timestamp, [.lte, .gte, .range, .gt, .lt, .eq])

    /// Every documented field, in the table's order (including `created`).
    public static let fields: [FilterField] = [
        FilterField("service", .integer, [.eq, .neq]),
        FilterField("instance", .integer, [.eq, .neq]),
        FilterField("user.orgUnit", .string, [.eq, .neq, .isset, .isnotset]),
        FilterField("activity.eventActionType", .string, [.eq, .neq]),
        FilterField("activity.id", .string, [.eq]),
        FilterField("activity.impersonated", .boolean, [.eq]),
        FilterField("activity.type", .boolean, [.eq]),
        FilterField("activity.takenAction", .string, [.eq, .neq]),
        FilterField("actionType", .string, [.contains, .eq, .neq, .isset, .isnotset]),
        FilterField("device.type", .string, [.eq, .neq]),
        FilterField("device.tags", .string, [.eq, .neq]),
        FilterField("userAgent.userAgent", .string, [.contains, .ncontains]),
        FilterField("userAgent.tags", .string, [.eq, .neq]),
        FilterField("location.country", .string, [.eq, .neq, .isset, .isnotset]),
        FilterField("location.organizations", .string, [.eq, .neq, .isset, .isnotset, .contains]),
        FilterField("ip.address", .string, [.eq, .startswith, .doesnotstartwith, .isset, .isnotset, .neq]),
        FilterField("fileSelector", .file, [.eq, .neq]),
        FilterField("office365url", .string, [.startswith, .eq, .endswith]),
        FilterField("fileId", .string, [.eq]),
        FilterField("ip.category", .integer, [.eq, .neq]),
        FilterField("ip.tags", .string, [.eq, .neq]),
        FilterField("text", .string, [.eq, .startswithsingle, .text]),
        FilterField("date", .timestamp, [.lte, .gte, .range, .lteNdays, .gteNdays]),
        FilterField("policy", .string, [.eq, .neq, .isset, .isnotset]),
        FilterField("source", .string, [.eq, .neq]),
        FilterField("activity.alertId", .string, [.eq]),
        FilterField("activityObject", .string, [.eq, .neq]),
        FilterField("fileLabels", .string, [.eq, .neq]),
        createdField,
        FilterField("entity", .entity, [.eq, .neq, .isset, .isnotset, .startswith]),
        FilterField("user.username", .string, [.eq, .neq, .isset, .isnotset, .startswith]),
        FilterField("user.tags", .string, [.eq, .neq, .isset, .isnotset, .startswith]),
        FilterField("user.domain", .string, [.eq, .neq, .isset, .isnotset]),
    ]

    /// The row for `name` (exact, case-sensitive as the API is), or nil.
    public static func field(named name: String) -> FilterField? {
        fields.first { $0.name == name }
    }

    /// The table as ``FilterValidator`` takes it: `created` is the forwarder's.
    public static let schema = FilterSchema(
        fields: fields,
        managed: [createdField.name: "the 'created' filter is managed by the forwarder (its cursor is a created range); remove it and use `mdca-forwarder checkpoint set --since …` or initial_lookback instead"])
}

/// A documented filter table and the fields the forwarder sets itself (refused in the
/// configuration, each with the reason shown to the user).
public struct FilterSchema: Sendable {
    /// Every documented field, in the table's order (managed ones included).
    public var fields: [FilterField]
    /// Field name → why a user may not set it.
    public var managed: [String: String]

    public init(fields: [FilterField], managed: [String: String]) {
        self.fields = fields
        self.managed = managed
    }

    /// The row for `name` (exact, case-sensitive as the API is), or nil.
    public func field(named name: String) -> FilterField? {
        fields.first { $0.name == name }
    }
}
