/// Encoded messages in order, unframed, stored back to back in one buffer.
///
/// One buffer per output instead of one array per message: the encoder appends straight into
/// `bytes` (no allocation per record) and the outputs frame from it. Reused across batches
/// with `removeAll(keepingCapacity: true)`.
///
/// A message is the bytes between the previous message's end (or 0) and its own entry in
/// `ends`; bytes appended after the last `endMessage()` belong to no message yet.
public struct MessageBatch: Sendable, RandomAccessCollection {
    /// Every message's bytes, back to back. Append one message's bytes, then call
    /// `endMessage()`.
    public var bytes: [UInt8]
    /// `ends[i]` is the offset in `bytes` just past message `i`.
    public private(set) var ends: [Int]
    /// Message keys (Kafka's record key: the record's `_id`), back to back, filled only for
    /// outputs that ask for them (`Output.needsMessageKeys`); empty otherwise, so the other
    /// outputs pay nothing. Append with `appendKey` once per message.
    public private(set) var keyBytes: [UInt8]
    /// `keyEnds[i]` is the offset in `keyBytes` just past message `i`'s key.
    public private(set) var keyEnds: [Int]

    public init() {
        bytes = []
        ends = []
        keyBytes = []
        keyEnds = []
    }

    /// A batch holding `messages` in order (tests, callers that already have arrays).
    public init(_ messages: [[UInt8]]) {
        self.init()
        bytes.reserveCapacity(messages.reduce(0) { $0 + $1.count })
        ends.reserveCapacity(messages.count)
        for message in messages { append(message) }
    }

    /// Ends the message whose bytes were appended to `bytes` since the previous one.
    public mutating func endMessage() {
        ends.append(bytes.count)
    }

    /// Appends one message written by `body` into `bytes`.
    public mutating func append(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
        endMessage()
    }

    /// Appends one message.
    public mutating func append(_ message: some Collection<UInt8>) {
        bytes.append(contentsOf: message)
        endMessage()
    }

    /// Appends the key of one message (the message's bytes may come before or after it).
    public mutating func appendKey(_ key: some Collection<UInt8>) {
        keyBytes.append(contentsOf: key)
        keyEnds.append(keyBytes.count)
    }

    /// Message `position`'s key, or nil when the batch carries no keys.
    public func key(_ position: Int) -> ArraySlice<UInt8>? {
        guard position < keyEnds.count else { return nil }
        let start = position == 0 ? 0 : keyEnds[position - 1]
        return keyBytes[start..<keyEnds[position]]
    }

    /// Empties the batch; with `keepingCapacity` the next batch reuses the storage.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        ends.removeAll(keepingCapacity: keepingCapacity)
        keyBytes.removeAll(keepingCapacity: keepingCapacity)
        keyEnds.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Bytes of all messages (without framing).
    public var messageBytes: Int { ends.last ?? 0 }

    // MARK: RandomAccessCollection (a message is a slice of `bytes`)

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    public subscript(position: Int) -> ArraySlice<UInt8> {
        let start = position == 0 ? 0 : ends[position - 1]
        return bytes[start..<ends[position]]
    }
}
