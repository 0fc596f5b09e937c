/// The delivery cursor: the `created` millisecond of the last delivered record, and the `_id`s
/// already delivered with exactly that millisecond.
///
/// Why a tie set: `created` is not unique (many activities are stored in the same ms) and the
/// next query starts at `created >= createdMs`, so records at `createdMs` come back and the ones
/// already delivered must be recognised by id (PRODUCT §3 "Cursor").
public struct Cursor: Sendable, Codable, Equatable {
    /// `created` (Unix ms) of the most recent delivered record.
    public var createdMs: Int64
    /// `_id`s of the delivered records whose `created` equals `createdMs`.
    public var tieIDs: Set<String>

    public init(createdMs: Int64, tieIDs: Set<String> = []) {
        self.createdMs = createdMs
        self.tieIDs = tieIDs
    }

    /// The cursor of a first start: `nowMs - lookbackMs`, nothing delivered yet.
    public static func start(nowMs: Int64, lookbackMs: Int64) -> Cursor {
        Cursor(createdMs: nowMs - lookbackMs, tieIDs: [])
    }

    /// Whether a record was already delivered (or lies behind the cursor) and must not be sent.
    ///
    /// True for a record the cursor already covers: one of the ids delivered at exactly the
    /// cursor's millisecond (the next query, `created >= createdMs`, lists them again).
    ///
    /// A record *older* than the cursor cannot come from a correct server; if one does, it is
    /// delivered rather than dropped: at-least-once means a doubtful record is sent, never lost.
    public func shouldSkip(id: String, created: Int64) -> Bool {
        created == createdMs && tieIDs.contains(id)
    }

    /// Moves the cursor past a delivered record. Records older than the cursor are ignored.
    public mutating func advance(id: String, created: Int64) {
        if created > createdMs {
            createdMs = created
            // Keeps the set's storage: most records move the cursor, and a fresh set per
            // record was a measurable share of the forwarder's CPU.
            tieIDs.removeAll(keepingCapacity: true)
            tieIDs.insert(id)
        } else if created == createdMs {
            tieIDs.insert(id)
        }
    }
}

extension Cursor {
    private enum CodingKeys: String, CodingKey { case createdMs, tieIDs }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        createdMs = try container.decode(Int64.self, forKey: .createdMs)
        tieIDs = Set(try container.decode([String].self, forKey: .tieIDs))
    }

    /// Encodes the tie set sorted, so that the state file is byte-for-byte deterministic.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(createdMs, forKey: .createdMs)
        try container.encode(tieIDs.sorted(), forKey: .tieIDs)
    }
}
