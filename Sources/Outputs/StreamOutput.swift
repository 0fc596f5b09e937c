import Formats
import POSIX

/// A connected byte stream (plain TCP socket or TLS session). Confined to its output's queue.
protocol ByteStream: AnyObject {
    /// Writes all bytes or throws (a receiver that accepts nothing for the write timeout
    /// counts as a failure).
    func send(_ bytes: UnsafeRawBufferPointer) throws(OutputError)
    /// Returns once the receiving host's TCP stack acknowledged everything sent (PRODUCT §4:
    /// what "delivered" means for tcp and tls); throws on a reset, a close or no progress for
    /// the write timeout.
    func waitUntilAcknowledged() throws(OutputError)
    /// Non-blocking: did the receiver close (EOF, reset)?
    func isPeerClosed() -> Bool
    func close()
}

/// The tcp:// and tls:// outputs: framing, batching, lazy reconnect. The transport comes from
/// `connect`. A batch is delivered once the receiving host's TCP stack acknowledged all of it,
/// not when it is written into the local socket buffer (a reset then would lose it silently).
/// What remains: a receiver that acknowledged the bytes but dies before processing them.
///
/// Runs on its own queue, behind `QueueConfinedOutput`.
final class StreamOutput: QueueConfinedBody {
    let name: String
    let url: String
    let framing: Framing
    let cap: MessageCap
    let connect: () throws(OutputError) -> any ByteStream
    private var stream: (any ByteStream)?
    private var sendBuffer = SendBuffer()

    init(name: String, url: String, framing: Framing, cap: MessageCap,
         connect: @escaping () throws(OutputError) -> any ByteStream) {
        self.name = name
        self.url = url
        self.framing = framing
        self.cap = cap
        self.connect = connect
    }

    func deliver(_ messages: MessageBatch) throws(OutputError) {
        try deliverOnQueue(messages)
    }

    /// One buffer for the whole batch, so that it goes out in as few syscalls as the socket
    /// allows (and, for TLS, in as few records).
    private func deliverOnQueue(_ messages: MessageBatch) throws(OutputError) {
        sendBuffer.frame(messages, framing: framing, cap: cap)
        defer { sendBuffer.trim() }

        // A receiver that closed since the last batch is noticed before writing into a dead
        // connection (whose first write would "succeed" into the kernel buffer and be lost).
        if let current = stream, current.isPeerClosed() {
            current.close()
            stream = nil
        }
        let active: any ByteStream
        if let current = stream {
            active = current
        } else {
            active = try connect()
            stream = active
        }
        do throws(OutputError) {
            try withBytes(sendBuffer.bytes[...]) { (bytes) throws(OutputError) in try active.send(bytes) }
            // Once per batch, not per message: the wait costs about one round trip.
            try active.waitUntilAcknowledged()
        } catch {
            // Part of the batch may be written; the caller resends all of it (at-least-once).
            active.close()
            stream = nil
            throw error
        }
    }

    func probe() throws(OutputError) {
        if stream == nil { stream = try connect() }
    }

    func reopen() {}

    func shutdown() {
        stream?.close()
        stream = nil
    }
}
