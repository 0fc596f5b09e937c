/// The documented alert filter table (`samples/alert-filters.md`, from Microsoft's
/// `api-alerts.md`), as data. Note what is *not* there: `date` has no `gt`/`lt`, so the alert
/// cursor pages with `gte`/`lte` and excludes ids already taken (``AlertScan``).
public enum AlertFilterTable {
    /// The alert cursor's field (`timestamp` in records).
    public static let dateField = FilterField("date", .timestamp, [.lte, .gte, .range, .lteNdays, .gteNdays])
    /// The closure cursor's field (`resolveTime` in records).
    public static let resolutionDateField = FilterField("resolutionDate", .timestamp, [.lte, .gte, .range])
    /// Alert ids: the planner's exclusion of ids already taken within one millisecond.
    public static let idField = FilterField("ID", .string, [.eq, .neq])

    /// Every documented field, in the table's order.
    public static let fields: [FilterField] = [
        FilterField("entity.entity", .entity, [.eq, .neq]),
        FilterField("entity.ip", .string, [.eq, .neq]),
        FilterField("entity.service", .integer, [.eq, .neq]),
        FilterField("entity.instance", .integer, [.eq, .neq]),
        FilterField("entity.policy", .string, [.eq, .neq]),
        FilterField("entity.file", .string, [.eq, .neq]),
        FilterField("alertOpen", .boolean, [.eq]),
        FilterField("severity", .integer, [.eq, .neq]),
        FilterField("resolutionStatus", .integer, [.eq, .neq]),
        FilterField("read", .boolean, [.eq]),
        dateField,
        resolutionDateField,
        FilterField("risk", .integer, [.eq, .neq]),
        FilterField("alertType", .integer, [.eq, .neq]),
        idField,
        FilterField("source", .string, [.eq]),
    ]

    /// The row for `name` (exact, case-sensitive as the API is), or nil.
    public static func field(named name: String) -> FilterField? {
        fields.first { $0.name == name }
    }

    /// The table as ``FilterValidator`` takes it (`validate(_:keyPath:schema:)` with
    /// `keyPath: "alerts.filters"`): the three fields the cursors own are refused.
    public static let schema = FilterSchema(fields: fields, managed: [
        dateField.name: "the 'date' filter is managed by the forwarder (the alert cursor is a date range); remove it and use `mdca-forwarder checkpoint set --stream alerts --since …` or alerts.initial_lookback instead",
        resolutionDateField.name: "the 'resolutionDate' filter is managed by the forwarder (the closure cursor of alerts.resolutions); remove it",
        idField.name: "the 'ID' filter is managed by the forwarder (it pages inside one millisecond by excluding the ids already read); remove it",
    ])
}
