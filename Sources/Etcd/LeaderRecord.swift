import Foundation

/// The leader key's value: who leads, since when, on which lease. The lease ID makes the value
/// unique per term, so a compare on it also fences a restarted instance of the same name.
public struct LeaderRecord: Sendable, Equatable, Codable {
    public var instance: String
    /// ISO-8601 UTC, when this term began.
    public var since: String
    /// The lease the term's key is attached to, in hex (as `etcdctl lease list` shows it).
    public var lease: String

    public init(instance: String, since: String, lease: String) {
        self.instance = instance
        self.since = since
        self.lease = lease
    }

    public init(instance: String, since: Date, lease: Int64) {
        self.init(instance: instance, since: since.formatted(.iso8601), lease: String(UInt64(bitPattern: lease), radix: 16))
    }

    public var bytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map(Array.init) ?? Array("{}".utf8)
    }

    /// The record in a leader key; a value some other tool wrote is shown as it is (truncated),
    /// never trusted further.
    public static func decode(_ bytes: [UInt8]) -> LeaderRecord {
        if let record = try? JSONDecoder().decode(LeaderRecord.self, from: Data(bytes)) { return record }
        let text = String(decoding: bytes.prefix(80), as: UTF8.self)
        return LeaderRecord(instance: "unknown (\(text))", since: "?", lease: "?")
    }
}
