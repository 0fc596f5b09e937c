import Formats

/// A record delivered despite a service fault (PRODUCT §3): logged with its id, counted.
public struct Anomaly: Sendable, Equatable {
    public var reason: AnomalyReason
    /// The record's id ("-" when it has none).
    public var id: String
    public var created: Int64?

    public init(_ reason: AnomalyReason, id: String, created: Int64?) {
        self.reason = reason
        self.id = id
        self.created = created
    }
}

/// What a policy decided about one record: deliver it (new, or anomalous and delivered
/// anyway, at-least-once) or pass over it (already sent), with the faults it found either way.
public struct RecordVerdict: Sendable, Equatable {
    public var deliver: Bool
    public var anomalies: [Anomaly]

    public init(deliver: Bool, anomalies: [Anomaly] = []) {
        self.deliver = deliver
        self.anomalies = anomalies
    }

    public static let new = RecordVerdict(deliver: true)
    public static let alreadySent = RecordVerdict(deliver: false)
}

/// How one stream's records are judged and how they move its position, for one window of
/// one pass (a value: per-window memory such as "ids seen in this scan" lives in it).
///
/// The engine calls `classify` for every record of every page in order, with the position
/// of the records accepted so far (the batch's); a record the verdict delivers is encoded
/// with `encode` and the position the policy left becomes the committed one once every
/// output accepted the batch. `complete` runs only after the whole window was read and
/// delivered.
public protocol RecordPolicy: Sendable {
    associatedtype Record: Sendable
    associatedtype Position: StreamPosition

    /// New, already sent or anomalous; moves `position` past a record it delivers.
    mutating func classify(_ record: Record, position: inout Position) -> RecordVerdict
    /// A fault of the page as a whole (nil: none).
    func pageAnomaly(_ records: [Record], hasNext: Bool) -> Anomaly?
    /// The window was read to its end and delivered.
    func complete(_ position: inout Position)
    /// Encodes `record` for one output (its format and syslog header are the encoder's).
    func encode(_ record: Record, with encoder: MessageEncoder, unixMilliseconds: Int64, into bytes: inout [UInt8]) -> MessageEncoder.Outcome
    /// The record's message key (kafka) and the id its logs name.
    func id(of record: Record) -> String
}

extension RecordPolicy {
    public func pageAnomaly(_ records: [Record], hasNext: Bool) -> Anomaly? { nil }
    public func complete(_ position: inout Position) {}
}
