import ActivityJSON
import Checkpoint
import Formats
import MDCA

/// Alert dedupe and the alert cursors, in one place (PRODUCT §9).
///
/// Each pass re-reads `alerts.overlap` behind the cursor, so a record is *already sent* when
/// its id is in the cursor's tie or recent set, or came earlier in this window. An alert moves
/// the alert cursor to its `timestamp` (pages come in `date` order, so this is safe record by
/// record). A closure is remembered at its resolution time clamped into the window and moves
/// the closures cursor only when the whole window was read (closure pages are in `date`
/// order, not `resolutionDate` order). An open record in the closures window (a re-opened
/// alert) is not a closure and is passed over. A record without an id cannot be recognised
/// again: delivered, never dropped, and it moves nothing.
public struct AlertPolicy: RecordPolicy {
    public let kind: AlertScan.Kind
    /// The cursor as it was when the window began (what was delivered before).
    let known: AlertCursor
    let lowerMs: Int64
    let untilMs: Int64
    let overlapMs: Int64
    /// Every id met so far in this window.
    private var seen: Set<String> = []

    public init(kind: AlertScan.Kind, known: AlertCursor, lowerMs: Int64, untilMs: Int64, overlapMs: Int64) {
        self.kind = kind
        self.known = known
        self.lowerMs = lowerMs
        self.untilMs = untilMs
        self.overlapMs = overlapMs
    }

    public mutating func classify(_ record: AlertRecord, position: inout AlertPosition) -> RecordVerdict {
        guard !record.id.isEmpty else {
            var anomalies = [Anomaly(.missingID, id: "-", created: record.timestamp)]
            if kind == .alerts, record.timestamp == nil { anomalies.append(Anomaly(.missingCreated, id: "-", created: nil)) }
            return RecordVerdict(deliver: kind == .alerts || record.resolutionStatusValue != 0, anomalies: anomalies)
        }
        guard seen.insert(record.id).inserted, !known.alreadyDelivered(record.id) else { return .alreadySent }
        switch kind {
        case .alerts:
            guard let ts = record.timestamp else {
                return RecordVerdict(deliver: true, anomalies: [Anomaly(.missingCreated, id: record.id, created: nil)])
            }
            position.cursor.advance(id: record.id, timestampMs: ts, overlapMs: overlapMs)
        case .closures:
            if record.resolutionStatusValue == 0 { return .alreadySent }   // open: not a closure
            var closures = position.closures ?? known
            closures.remember(id: record.id, atMs: min(max(record.resolvedAtMs ?? untilMs, lowerMs), untilMs), overlapMs: overlapMs)
            position.closures = closures
        }
        return .new
    }

    /// Closures move their cursor to the window's end; alerts moved record by record.
    public func complete(_ position: inout AlertPosition) {
        guard kind == .closures else { return }
        var closures = position.closures ?? known
        closures.complete(untilMs: untilMs, overlapMs: overlapMs)
        position.closures = closures
    }

    public func encode(_ record: AlertRecord, with encoder: MessageEncoder, unixMilliseconds: Int64, into bytes: inout [UInt8]) -> MessageEncoder.Outcome {
        encoder.encode(record, closure: kind == .closures, unixMilliseconds: unixMilliseconds, into: &bytes)
    }

    public func id(of record: AlertRecord) -> String { record.id }
}
