/// One alert as the simulator keeps it: what its filters evaluate, the values its JSON is
/// rendered from, and that JSON (re-rendered when the alert is closed).
struct StoredAlert: Sendable {
    var fields: AlertFields
    /// Insertion order: the stable order inside one millisecond (the real service's order
    /// there is undocumented; a stable one lets `skip` paging be exercised too).
    var sequence: Int
    var json: [UInt8]

    var id: String { fields.id }
    var timestamp: Int64 { fields.timestamp }

    init(fields: AlertFields, sequence: Int) {
        self.fields = fields
        self.sequence = sequence
        json = fields.serialize()
    }

    /// The list order: `date` (timestamp) ascending, then insertion order.
    static func inListOrder(_ a: StoredAlert, _ b: StoredAlert) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.sequence < b.sequence
    }
}
