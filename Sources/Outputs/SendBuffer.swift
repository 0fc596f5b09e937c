import Formats

/// An output's framed bytes for one batch, kept across batches: a fresh multi-megabyte array
/// per batch cost an allocation and first-touch page faults every time. Not thread-safe:
/// confined to its output's queue.
struct SendBuffer {
    /// Past this capacity the storage is released after the batch, so that one huge batch
    /// does not keep the process's RSS up.
    static let retainLimit = 32 << 20

    private(set) var bytes: [UInt8] = []

    /// Replaces the content with every message of `batch`, cut to `cap` and framed.
    mutating func frame(_ batch: MessageBatch, framing: Framing, cap: MessageCap) {
        bytes.removeAll(keepingCapacity: true)
        // LF adds one byte per message; octet counting at most "NNNNNNN " (the cap keeps
        // messages far below 10 MB).
        let needed = batch.messageBytes + batch.count * (framing == .lf ? 1 : 8)
        if bytes.capacity < needed { bytes.reserveCapacity(needed) }
        for message in batch { framing.append(cap.bounded(message), into: &bytes) }
    }

    /// Releases the storage when it grew beyond `retainLimit`.
    mutating func trim() {
        if bytes.capacity > Self.retainLimit { bytes = [] }
    }
}

@available(*, unavailable) extension SendBuffer: Sendable {}
