/// Syslog facility (RFC 5424 §6.2.1, table 1). The PRI value is `facility * 8 + severity`.
public enum Facility: Int, Sendable, CaseIterable {
    case kern = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp
    case audit, alert, clock
    case local0, local1, local2, local3, local4, local5, local6, local7

    /// The configuration name (`local0`, `auth`, …), as rsyslog and Vector spell it.
    public var name: String { Facility.names[rawValue] }

    /// Parses a configuration name; also accepts the aliases `security` (audit), `console`
    /// (alert) and `solaris-cron` (clock) used by some syslog daemons.
    public init?(name: String) {
        let lower = name.lowercased()
        if let index = Facility.names.firstIndex(of: lower) {
            self.init(rawValue: index)
            return
        }
        guard let alias = Facility.aliases[lower] else { return nil }
        self = alias
    }

    /// Other daemons' names for facilities 13–15.
    public static let aliases: [String: Facility] = ["security": .audit, "console": .alert, "solaris-cron": .clock]

    static let names = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "audit", "alert", "clock",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
}

/// Syslog severity (RFC 5424 §6.2.1, table 2).
public enum Severity: Int, Sendable, CaseIterable {
    case emerg = 0, alert, crit, err, warning, notice, info, debug

    /// The configuration name (`info`, `warning`, …).
    public var name: String { Severity.names[rawValue] }

    /// Parses a configuration name; also accepts `emergency`, `panic`, `critical`, `error`,
    /// `warn` and `informational`.
    public init?(name: String) {
        let lower = name.lowercased()
        if let index = Severity.names.firstIndex(of: lower) {
            self.init(rawValue: index)
            return
        }
        guard let alias = Severity.aliases[lower] else { return nil }
        self = alias
    }

    /// The RFC 5424 words and common spellings beside the syslog keywords.
    public static let aliases: [String: Severity] = [
        "emergency": .emerg, "panic": .emerg, "critical": .crit, "error": .err, "warn": .warning, "informational": .info,
    ]

    static let names = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
}

/// The PRI part of a syslog header: `<` facility × 8 + severity `>` (RFC 5424 §6.2.1,
/// RFC 3164 §4.1.1).
public enum SyslogPriority {
    /// The PRIVAL number, 0…191.
    public static func value(facility: Facility, severity: Severity) -> Int {
        facility.rawValue * 8 + severity.rawValue
    }

    /// Appends `<PRIVAL>`.
    public static func append(facility: Facility, severity: Severity, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "<"))
        Digits.append(value(facility: facility, severity: severity), into: &buffer)
        buffer.append(UInt8(ascii: ">"))
    }
}
