/// Everything that shapes one output's messages. Validated by the configuration layer; every
/// value here is usable as is (out-of-range text is sanitised, not rejected).
public struct MessageOptions: Sendable, Equatable {
    /// The payload format (PRODUCT §4).
    public enum Format: String, Sendable, CaseIterable {
        /// The retired agent's CEF line.
        case cef
        /// The activity's JSON exactly as received, on one line.
        case json
    }

    /// The syslog header in front of the payload.
    public enum SyslogFormat: String, Sendable, CaseIterable {
        case rfc5424, rfc3164, none
    }

    public var format: Format = .cef
    public var syslog: SyslogFormat = .rfc5424
    public var facility: Facility = .local0
    public var severity: Severity = .info
    /// HOSTNAME; the caller passes the host's name (formatters never ask the system).
    public var hostname: String = ""
    /// APP-NAME (RFC 5424) / TAG (RFC 3164).
    public var appName: String = "mdca-forwarder"
    /// PROCID, normally the daemon's pid; empty gives NILVALUE.
    public var processID: String = ""
    /// MSGID (RFC 5424): constant `activity` so that receivers can route on it.
    public var messageID: String = "activity"
    /// MSGID (RFC 5424) of alert messages (PRODUCT §9), `alert`.
    public var alertMessageID: String = "alert"
    /// The cap on one message (header + payload, without framing), cut on a UTF-8 boundary.
    /// 8192 by default; UDP outputs use 2048 (the caller decides). Values below 1 count as 1.
    public var maxMessageBytes: Int = 8192
    /// CEF header constants and the tenant link.
    public var cef: CEFOptions = CEFOptions()

    public init(
        format: Format = .cef, syslog: SyslogFormat = .rfc5424, facility: Facility = .local0,
        severity: Severity = .info, hostname: String = "", appName: String = "mdca-forwarder",
        processID: String = "", messageID: String = "activity", maxMessageBytes: Int = 8192,
        cef: CEFOptions = CEFOptions()
    ) {
        self.format = format
        self.syslog = syslog
        self.facility = facility
        self.severity = severity
        self.hostname = hostname
        self.appName = appName
        self.processID = processID
        self.messageID = messageID
        self.maxMessageBytes = maxMessageBytes
        self.cef = cef
    }
}
