import Formats
import Outputs
/// One entry of `outputs:` — where messages go and how they look.
public struct OutputSettings: Sendable, Equatable {
    public var name: String
    /// The URL as written (`tcp://siem:514`); `endpoint` is its parsed form.
    public var url: String
    public var endpoint: Endpoint
    public var format: Format
    public var syslog: SyslogHeader
    /// Stream framing; set for tcp (default lf) and tls (default octet-counting), nil otherwise
    /// (udp sends one message per datagram, file and stdout write one per line).
    public var framing: Framing?
    public var facility: Facility
    public var severity: Severity
    /// udp 480...65507 (default 2048); streams 480...1 MiB (default 8192).
    public var maxMessageBytes: Int
    /// The syslog HOSTNAME; nil = the machine's host name.
    public var hostname: String?
    public var appName: String
    /// Set for tls:// outputs (all fields optional: system CA store, SNI from the host), and
    /// for relp:// outputs that use TLS (nil: plain TCP).
    public var tls: TLSSettings?
    /// Set for relp:// outputs only (window, timeout).
    public var relp: RELPSettings?
    /// Set for kafka:// outputs only (the `kafka:` block; every field has a default).
    public var kafka: KafkaSettings?
    public var cef: CEFOverrides

    /// The parsed `url`: the Outputs module's own type and parser, so the configuration
    /// checks exactly what the outputs will accept.
    public typealias Endpoint = Outputs.Endpoint

    // The configuration's choices are the Formats module's own types (same spellings as
    // the YAML values), so nothing is translated between the two layers.
    public typealias Format = MessageOptions.Format
    public typealias SyslogHeader = MessageOptions.SyslogFormat
    /// RFC 6587 framing.
    public typealias Framing = Formats.Framing

    /// Syslog facility and severity: the Formats module's one model (names and aliases).
    public typealias Facility = Formats.Facility
    public typealias Severity = Formats.Severity

    /// `tls:` block of a tls:// output: the Outputs module's own settings type, so the
    /// configuration hands it over unchanged.
    public typealias TLSSettings = Outputs.TLSSettings

    /// `relp:` block of a relp:// output: the Outputs module's own settings type.
    public typealias RELPSettings = Outputs.RELPSettings
    /// `kafka:` block of a kafka:// output: the Outputs module's own settings type.
    public typealias KafkaSettings = Outputs.KafkaSettings

    /// `cef:` block: header overrides; nil keeps the retired agent's `MCAS|SIEM_Agent|<version>`.
    public struct CEFOverrides: Sendable, Equatable {
        public var vendor: String?
        public var product: String?
        public var version: String?

        public init(vendor: String? = nil, product: String? = nil, version: String? = nil) {
            self.vendor = vendor
            self.product = product
            self.version = version
        }
    }

    /// An output with the documented defaults for its scheme.
    public init(name: String, url: String, endpoint: Endpoint) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        format = .cef
        // A Kafka record carries no syslog header by default: consumers read CEF or JSON.
        if case .kafka = endpoint { syslog = .none } else { syslog = .rfc5424 }
        switch endpoint {
        case .tcp: framing = .lf
        case .tls: framing = .octetCounting
        default: framing = nil
        }
        facility = .local0
        severity = .info
        if case .udp = endpoint { maxMessageBytes = 2048 } else { maxMessageBytes = 8192 }
        hostname = nil
        appName = "mdca-forwarder"
        if case .tls = endpoint { tls = TLSSettings() } else { tls = nil }
        if case .relp = endpoint { relp = RELPSettings() } else { relp = nil }
        if case .kafka = endpoint { kafka = KafkaSettings() } else { kafka = nil }
        cef = CEFOverrides()
    }
}
