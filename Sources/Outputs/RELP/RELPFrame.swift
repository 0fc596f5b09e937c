/// One RELP frame (librelp doc/relp.md, "RELP FRAME"):
///
///     RELP-FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] TRAILER
///     TXNR = 1*9DIGIT; COMMAND = 1*32ALPHA; DATALEN = 1*9DIGIT; TRAILER = LF
///
/// DATA (and the space before it) is present only when DATALEN is not 0.
struct RELPFrame: Equatable, Sendable {
    var txnr: Int
    var command: String
    var data: [UInt8]

    init(txnr: Int, command: String, data: [UInt8] = []) {
        self.txnr = txnr
        self.command = command
        self.data = data
    }

    /// TXNR and DATALEN have at most nine digits.
    static let maxNumber = 999_999_999
    /// COMMAND has at most 32 letters.
    static let maxCommandLength = 32

    /// Appends the encoded frame to `buffer` (no allocation besides the buffer's growth: the
    /// syslog hot path encodes straight into the output's send buffer).
    static func append(txnr: Int, command: StaticString, data: some Collection<UInt8>, to buffer: inout [UInt8]) {
        appendDecimal(txnr, to: &buffer)
        buffer.append(space)
        command.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(space)
        appendDecimal(data.count, to: &buffer)
        if !data.isEmpty {
            buffer.append(space)
            buffer.append(contentsOf: data)
        }
        buffer.append(lineFeed)
    }

    /// The frame as bytes (tests, rare commands).
    var encoded: [UInt8] {
        var buffer: [UInt8] = []
        appendDecimal(txnr, to: &buffer)
        buffer.append(Self.space)
        buffer.append(contentsOf: command.utf8)
        buffer.append(Self.space)
        appendDecimal(data.count, to: &buffer)
        if !data.isEmpty {
            buffer.append(Self.space)
            buffer.append(contentsOf: data)
        }
        buffer.append(Self.lineFeed)
        return buffer
    }

    static let space = UInt8(ascii: " ")
    static let lineFeed = UInt8(ascii: "\n")
}

/// Appends `value` (non-negative) in decimal: digits least significant first, then reversed
/// in place.
private func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
    let start = buffer.count
    var rest = value
    repeat {
        buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
        rest /= 10
    } while rest > 0
    buffer[start...].reverse()
}
