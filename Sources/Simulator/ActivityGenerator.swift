/// Builds deterministic, realistic activities: the same seed and index give the same record.
struct ActivityGenerator: Sendable {
    /// Separate random streams so backlog, added records and schedules do not shift each other.
    enum Stream: UInt64 { case backlog = 1, added = 2, schedule = 3, faults = 4, tokens = 5 }

    var seed: UInt64
    var lateFraction: Double
    var hostileFraction: Double

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
        let json = fields.serialize(&rng)
        return StoredActivity(
            id: fields.id, created: created, timestamp: fields.timestamp, appId: fields.app.id,
            userName: fields.userName, json: json)
    }
}
