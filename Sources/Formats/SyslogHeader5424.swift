/// The RFC 5424 header: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - ` (STRUCTURED-DATA
/// is always NILVALUE). One small function per rule of RFC 5424 §6.
public struct SyslogHeader5424: Sendable {
    /// NILVALUE (§6).
    public static let nilValue: UInt8 = UInt8(ascii: "-")
    /// Field length limits (§6): HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32.
    public static let hostnameLimit = 255, appNameLimit = 48, procIDLimit = 128, msgIDLimit = 32

    let prefix: [UInt8]   // "<PRI>1 "
    let suffix: [UInt8]   // " HOSTNAME APP-NAME PROCID MSGID - "

    public init(facility: Facility, severity: Severity, hostname: String, appName: String,
                processID: String, messageID: String) {
        var prefix: [UInt8] = []
        SyslogPriority.append(facility: facility, severity: severity, into: &prefix)
        prefix.append(contentsOf: "1 ".utf8)   // VERSION (§6.2.2)
        self.prefix = prefix
        var suffix: [UInt8] = [0x20]
        suffix += Self.field(hostname, limit: Self.hostnameLimit)
        suffix.append(0x20)
        suffix += Self.field(appName, limit: Self.appNameLimit)
        suffix.append(0x20)
        suffix += Self.field(processID, limit: Self.procIDLimit)
        suffix.append(0x20)
        suffix += Self.field(messageID, limit: Self.msgIDLimit)
        suffix.append(contentsOf: " - ".utf8)  // STRUCTURED-DATA = NILVALUE, then SP before MSG
        self.suffix = suffix
    }

    /// Appends the header for a message sent at `unixMilliseconds`.
    public func append(unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: prefix)
        Self.appendTimestamp(unixMilliseconds, into: &buffer)
        buffer.append(contentsOf: suffix)
    }

    /// A header field (§6): 1*N PRINTUSASCII (33…126). Every other character becomes `_`
    /// (one per Unicode scalar); the result is cut to `limit`; empty becomes NILVALUE.
    public static func field(_ text: String, limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars where out.count < limit {
            let value = scalar.value
            out.append(value >= 33 && value <= 126 ? UInt8(value) : UInt8(ascii: "_"))
        }
        return out.isEmpty ? [nilValue] : out
    }

    /// TIMESTAMP (§6.2.3): `YYYY-MM-DDThh:mm:ss.sssZ`, always UTC, milliseconds.
    public static func appendTimestamp(_ unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        let t = UTCTime(unixMilliseconds: unixMilliseconds)
        Digits.appendPadded(t.year, width: 4, into: &buffer)
        buffer.append(UInt8(ascii: "-"))
        Digits.appendPadded(t.month, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: "-"))
        Digits.appendPadded(t.day, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: "T"))
        Digits.appendPadded(t.hour, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Digits.appendPadded(t.minute, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Digits.appendPadded(t.second, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: "."))
        Digits.appendPadded(t.millisecond, width: 3, into: &buffer)
        buffer.append(UInt8(ascii: "Z"))
    }
}
