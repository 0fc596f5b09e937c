/// How messages are delimited on a stream transport (RFC 6587).
public enum Framing: String, Sendable, Equatable, CaseIterable {
    /// Non-transparent framing (RFC 6587 §3.4.2): each message is followed by LF. Safe here
    /// because no encoded message ever contains an LF byte.
    case lf
    /// Octet counting (RFC 6587 §3.4.1, RFC 5425 §4.3): `MSG-LEN SP SYSLOG-MSG`.
    case octetCounting = "octet-counting"

    /// Appends `message` framed into `buffer`.
    @inlinable
    public func append<C: Collection>(_ message: C, into buffer: inout [UInt8]) where C.Element == UInt8 {
        switch self {
        case .lf:
            buffer.append(contentsOf: message)
            buffer.append(0x0A)
        case .octetCounting:
            Digits.append(message.count, into: &buffer)
            buffer.append(0x20)
            buffer.append(contentsOf: message)
        }
    }
}

/// Decimal digits without going through `String` (hot path).
public enum Digits {
    /// Appends the decimal text of `value` (with a leading `-` when negative). Concrete, not
    /// generic: an unspecialised generic here cost a third of the CEF encoder's time.
    public static func append(_ value: Int64, into buffer: inout [UInt8]) {
        var magnitude = value.magnitude
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor &*= 10 }
        repeat {
            buffer.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        } while divisor > 0
    }

    /// Appends the decimal text of `value`.
    public static func append(_ value: Int, into buffer: inout [UInt8]) {
        append(Int64(value), into: &buffer)
    }

    /// Appends `value` as exactly `width` digits, zero-padded (timestamps).
    @inlinable
    public static func appendPadded(_ value: Int, width: Int, pad: UInt8 = UInt8(ascii: "0"), into buffer: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var leading = true
        while divisor > 0 {
            let digit = (value / divisor) % 10
            if digit == 0 && leading && divisor > 1 {
                buffer.append(pad)
            } else {
                leading = false
                buffer.append(UInt8(ascii: "0") + UInt8(digit))
            }
            divisor /= 10
        }
    }
}
