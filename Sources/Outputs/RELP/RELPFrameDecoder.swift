/// Splits the bytes a RELP server sends into frames. Bytes arrive in any pieces; a frame is
/// returned once it is complete. Anything that cannot be the start or the rest of a frame is
/// an error at the first byte that proves it (librelp's parser rejects the same inputs).
///
/// Not thread-safe: owned by one connection.
struct RELPFrameDecoder {
    /// The largest DATALEN accepted. A server only sends responses (small) and hints; a huge
    /// DATALEN is refused before any of its data is buffered.
    let maxDataLength: Int
    private var buffer: [UInt8] = []
    /// Start of the first unconsumed byte in `buffer`.
    private var start = 0

    init(maxDataLength: Int = 64 * 1024) {
        self.maxDataLength = maxDataLength
    }

    /// Bytes received but not yet returned as a frame.
    var bufferedCount: Int { buffer.count - start }

    mutating func append(_ bytes: some Collection<UInt8>) {
        // Drop consumed bytes once they are the larger part, so the buffer stays small.
        if start > 0, start >= buffer.count - start {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    mutating func next() throws(RELPProtocolError) -> RELPFrame? {
        guard let (frame, end) = try Self.parse(buffer, from: start, maxDataLength: maxDataLength) else { return nil }
        start = end
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return frame
    }

    /// Parses one frame at `from`; nil when `bytes` ends before the frame does.
    static func parse(_ bytes: [UInt8], from: Int, maxDataLength: Int) throws(RELPProtocolError) -> (RELPFrame, Int)? {
        var index = from
        guard let txnr = try number(bytes, &index, field: "TXNR") else { return nil }
        guard let command = try word(bytes, &index) else { return nil }
        // DATALEN ends with SP (data follows) or, when it is 0, directly with the trailer.
        guard let length = try number(bytes, &index, field: "DATALEN", zeroMayEndWithTrailer: true) else { return nil }
        guard length <= maxDataLength else { throw .frameTooLong(length: length, limit: maxDataLength) }
        if length == 0 {
            // `number` stopped on the LF that ends a frame without data.
            return (RELPFrame(txnr: txnr, command: command), index + 1)
        }
        let dataEnd = index + length
        guard dataEnd < bytes.count else { return nil }
        guard bytes[dataEnd] == RELPFrame.lineFeed else {
            throw .malformedFrame("\(command) frame \(txnr): no LF after its \(length) bytes of data")
        }
        return (RELPFrame(txnr: txnr, command: command, data: Array(bytes[index..<dataEnd])), dataEnd + 1)
    }

    /// 1 to 9 digits then SP; moves `index` past the SP. With `zeroMayEndWithTrailer`, a value of
    /// 0 may also end with LF, and `index` then stays on the LF.
    private static func number(_ bytes: [UInt8], _ index: inout Int, field: String,
                               zeroMayEndWithTrailer: Bool = false) throws(RELPProtocolError) -> Int? {
        var value = 0
        var digits = 0
        var position = index
        while position < bytes.count {
            let byte = bytes[position]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 9 else { throw .malformedFrame("\(field) has more than 9 digits") }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                position += 1
                continue
            }
            guard digits > 0 else { throw .malformedFrame("\(field) expected, got \(describe(byte))") }
            if zeroMayEndWithTrailer, value == 0, byte == RELPFrame.space {
                throw .malformedFrame("\(field) 0 must be followed by LF (no data part)")
            }
            if byte == RELPFrame.space {
                index = position + 1
                return value
            }
            if zeroMayEndWithTrailer, value == 0, byte == RELPFrame.lineFeed {
                index = position
                return value
            }
            throw .malformedFrame("\(describe(byte)) after \(field) \(value)")
        }
        return nil
    }

    /// 1 to 32 letters then SP; moves `index` past the SP.
    private static func word(_ bytes: [UInt8], _ index: inout Int) throws(RELPProtocolError) -> String? {
        var position = index
        while position < bytes.count {
            let byte = bytes[position]
            let isLetter = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            if isLetter {
                guard position - index < RELPFrame.maxCommandLength else {
                    throw .malformedFrame("COMMAND longer than \(RELPFrame.maxCommandLength) letters")
                }
                position += 1
                continue
            }
            guard position > index else { throw .malformedFrame("COMMAND expected, got \(describe(byte))") }
            guard byte == RELPFrame.space else { throw .malformedFrame("\(describe(byte)) in COMMAND") }
            let command = String(decoding: bytes[index..<position], as: UTF8.self)
            index = position + 1
            return command
        }
        return nil
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
