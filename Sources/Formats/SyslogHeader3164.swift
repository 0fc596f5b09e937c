/// The BSD syslog header (RFC 3164 §4.1): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: `.
public struct SyslogHeader3164: Sendable {
    /// TAG is at most 32 characters (§4.1.3).
    public static let tagLimit = 32
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    let prefix: [UInt8]   // "<PRI>"
    let suffix: [UInt8]   // " HOSTNAME TAG[PID]: "

    /// `processID` empty: the tag is `appName:`; else `appName[pid]:` (the common convention,
    /// which rsyslog and syslog-ng parse into programname and procid).
    public init(facility: Facility, severity: Severity, hostname: String, appName: String, processID: String) {
        var prefix: [UInt8] = []
        SyslogPriority.append(facility: facility, severity: severity, into: &prefix)
        self.prefix = prefix
        var suffix: [UInt8] = [0x20]
        suffix += SyslogHeader5424.field(hostname, limit: SyslogHeader5424.hostnameLimit)
        suffix.append(0x20)
        suffix += Self.tag(appName)
        let pid = SyslogHeader5424.field(processID, limit: 20)
        if pid != [SyslogHeader5424.nilValue] {
            suffix.append(UInt8(ascii: "["))
            suffix += pid
            suffix.append(UInt8(ascii: "]"))
        }
        suffix.append(contentsOf: ": ".utf8)
        self.suffix = suffix
    }

    /// Appends the header for a message sent at `unixMilliseconds`.
    public func append(unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: prefix)
        Self.appendTimestamp(unixMilliseconds, into: &buffer)
        buffer.append(contentsOf: suffix)
    }

    /// TAG (§4.1.3): up to 32 characters; characters that would end it early (`:`, `[`, space,
    /// anything outside printable ASCII) become `_`; empty becomes `-`.
    public static func tag(_ appName: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in appName.unicodeScalars where out.count < tagLimit {
            let value = scalar.value
            let ok = value >= 33 && value <= 126 && value != 0x3A && value != 0x5B && value != 0x5D
            out.append(ok ? UInt8(value) : UInt8(ascii: "_"))
        }
        return out.isEmpty ? [UInt8(ascii: "-")] : out
    }

    /// TIMESTAMP (§4.1.2): `Mmm dd hh:mm:ss`, day padded with a space, no year, here in UTC.
    public static func appendTimestamp(_ unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        let t = UTCTime(unixMilliseconds: unixMilliseconds)
        buffer.append(contentsOf: months[t.month - 1].utf8)
        buffer.append(0x20)
        Digits.appendPadded(t.day, width: 2, pad: 0x20, into: &buffer)
        buffer.append(0x20)
        Digits.appendPadded(t.hour, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Digits.appendPadded(t.minute, width: 2, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
        Digits.appendPadded(t.second, width: 2, into: &buffer)
    }
}
