import Formats

/// An output's own cap on one message: a defence behind the encoder's `maxMessageBytes`, and
/// what keeps a UDP datagram from being fragmented.
struct MessageCap: Sendable {
    var limit: Int?

    /// The bytes of `message` to send: all of it, or a prefix cut on a UTF-8 boundary.
    func bounded(_ message: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let limit, message.count > limit else { return message }
        return message[..<(message.startIndex + UTF8Truncation.boundary(message, limit: max(limit, 1)))]
    }
}
