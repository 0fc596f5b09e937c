/// Builds deterministic, realistic activities: the same seed and index give the same record.
struct ActivityGenerator: Sendable {
    /// Separate random streams so backlog, added records and schedules do not shift each other.
    enum Stream: UInt64 { case backlog = 1, added = 2, schedule = 3, faults = 4, tokens = 5 }

    var seed: UInt64
    var lateFraction: Double
    var hostileFraction: Double
    /// Serve types the real API never sends (see `SimulatorOptions.wildTypes`).
    var wildTypes = false
    /// Minimum record size in bytes (padding field); 0 = natural size.
    var recordBytes: Int = 0

    /// Activity `index` of `stream`, stored by the service at `created`. `late` forces (true) or
    /// forbids (false) a late arrival; nil draws it with `lateFraction`.
    func make(stream: Stream, index: Int, created: Int64, late: Bool? = nil) -> StoredActivity {
        var rng = SplitMix64(seed: seed, stream: stream.rawValue, index: UInt64(index))
        let isLate = late ?? rng.chance(lateFraction)
        // Late arrivals are stored hours after they happened; the rest within seconds (§2).
        let delay: Int64 = isLate
            ? Int64(rng.int(3_600_000...6 * 3_600_000))
            : Int64(rng.int(1_500...30_000))
        var fields = RecordFields.draw(&rng, created: created, timestamp: created - delay)
        if rng.chance(hostileFraction) { fields.makeHostile(&rng) }
        let json = Self.padded(fields.serialize(&rng, wildTypes: wildTypes), to: recordBytes)
        return StoredActivity(
            id: fields.id, created: created, timestamp: fields.timestamp, appId: fields.app.id,
            userName: fields.userName, json: json)
    }

    /// Adds `,"padding":"xxx…"` before the closing brace so the record has at least `size`
    /// bytes. Records already that big stay as they are.
    static func padded(_ json: [UInt8], to size: Int) -> [UInt8] {
        let field = Array(#","padding":""#.utf8)
        let missing = size - json.count - field.count - 1
        guard missing > 0, json.last == UInt8(ascii: "}") else { return json }
        var out = json
        out.removeLast()
        out.reserveCapacity(size)
        out.append(contentsOf: field)
        out.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: missing))
        out.append(contentsOf: #""}"#.utf8)
        return out
    }
}
