/// One activity as the simulator keeps it: the fields its filters evaluate, and the record's
/// JSON serialized once at generation time so pages are served by concatenation.
struct StoredActivity: Sendable {
    var id: String
    var created: Int64
    var timestamp: Int64
    var appId: Int
    var userName: String?
    var json: [UInt8]

    /// The scan order of PRODUCT §2: created ascending, then `_id` ascending.
    static func inScanOrder(_ a: StoredActivity, _ b: StoredActivity) -> Bool {
        a.created != b.created ? a.created < b.created : a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }
}
