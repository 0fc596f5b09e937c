import ActivityJSON
import Checkpoint
import Formats

/// How activities move the cursor (PRODUCT §3 "Cursor", "Records the query did not ask
/// for"): a record at the cursor's millisecond whose id is in the tie set was sent before; a
/// record outside the requested range is a service fault, delivered but never followed by the
/// cursor; a record without `_id` is named by a digest of its JSON; one without `created` is
/// delivered at the cursor's millisecond.
public struct ActivityPolicy: RecordPolicy {
    /// The range the scan asked for.
    public let fromMs: Int64
    public let untilMs: Int64

    public init(fromMs: Int64, untilMs: Int64) {
        self.fromMs = fromMs
        self.untilMs = untilMs
    }

    public mutating func classify(_ record: ActivityRecord, position cursor: inout Cursor) -> RecordVerdict {
        var anomalies: [Anomaly] = []
        var id = record.id
        if id.isEmpty {
            id = RecordIdentity.digest(record.rawJSON)
            anomalies.append(Anomaly(.missingID, id: id, created: record.created))
        }
        guard let created = record.created else {
            // Delivered at the cursor's millisecond; the cursor itself does not move.
            anomalies.append(Anomaly(.missingCreated, id: id, created: nil))
            if cursor.shouldSkip(id: id, created: cursor.createdMs) { return RecordVerdict(deliver: false, anomalies: anomalies) }
            cursor.advance(id: id, created: cursor.createdMs)
            return RecordVerdict(deliver: true, anomalies: anomalies)
        }
        if created > untilMs || created < fromMs {
            // Delivered (at-least-once), but the cursor never leaves the range the request
            // asked for, or every later record would be skipped for ever.
            anomalies.append(Anomaly(created > untilMs ? .createdAfterRange : .createdBeforeCursor, id: id, created: created))
            return RecordVerdict(deliver: true, anomalies: anomalies)
        }
        if cursor.shouldSkip(id: id, created: created) {
            return RecordVerdict(deliver: false, anomalies: anomalies)   // delivered before, at the cursor's own millisecond
        }
        cursor.advance(id: id, created: created)
        return RecordVerdict(deliver: true, anomalies: anomalies)
    }

    /// A page with more to come whose records all share one `created` millisecond: the next
    /// page starts after it or repeats it, so the service may never list the rest of it.
    public func pageAnomaly(_ records: [ActivityRecord], hasNext: Bool) -> Anomaly? {
        guard hasNext, records.count > 1, let first = records.first?.created, records.last?.created == first else { return nil }
        return Anomaly(.millisecondWiderThanPage, id: "-", created: first)
    }

    public func encode(_ record: ActivityRecord, with encoder: MessageEncoder, unixMilliseconds: Int64, into bytes: inout [UInt8]) -> MessageEncoder.Outcome {
        encoder.encode(record, unixMilliseconds: unixMilliseconds, into: &bytes)
    }

    public func id(of record: ActivityRecord) -> String { record.id }
}
