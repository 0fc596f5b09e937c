import Curl
import Formats

/// TLS settings of a `tls://` output (CA file, client certificate and key, server name).
/// Verification of the receiver's certificate is always on. The transport's own type, so the
/// settings reach libcurl unchanged.
public typealias TLSSettings = CurlStream.TLS

/// `relp:` block of a relp:// output.
public struct RELPSettings: Sendable, Equatable {
    /// The accepted range of `window`.
    public static let windowRange = 1...1024

    /// How many syslog commands may wait for their response at once.
    public var window: Int
    /// How long the receiver may answer nothing (no response, nothing read) before the
    /// session counts as broken; also bounds the `open` handshake.
    public var timeout: Duration

    public init(window: Int = 128, timeout: Duration = .seconds(30)) {
        self.window = window
        self.timeout = timeout
    }
}

/// One configured output, as the configuration layer hands it over.
public struct OutputConfig: Sendable, Equatable {
    /// The output's name in logs and errors.
    public var name: String
    /// `udp://host:port`, `tcp://host:port`, `tls://host:port`, `relp://host:port`,
    /// `file:///path`, `stdout:`.
    public var url: String
    /// Stream framing (tcp, tls); nil: `lf` for tcp, `octet-counting` for tls (RFC 5425).
    public var framing: Framing?
    /// Cap on one message; nil: 2048 for udp, 8192 otherwise (``effectiveMaxMessageBytes``).
    public var maxMessageBytes: Int?
    /// TLS settings (tls; relp, where they turn TLS on).
    public var tls: TLSSettings?
    /// RELP settings (relp only; nil: the defaults).
    public var relp: RELPSettings?
    /// Kafka settings (kafka only; nil: the defaults).
    public var kafka: KafkaSettings?
    public var connectTimeout: Duration
    /// How long a socket may accept nothing before the receiver counts as stuck.
    public var writeTimeout: Duration

    public init(name: String, url: String, framing: Framing? = nil, maxMessageBytes: Int? = nil,
                tls: TLSSettings? = nil, relp: RELPSettings? = nil, kafka: KafkaSettings? = nil, connectTimeout: Duration = .seconds(10),
                writeTimeout: Duration = .seconds(30)) {
        self.name = name
        self.url = url
        self.framing = framing
        self.maxMessageBytes = maxMessageBytes
        self.tls = tls
        self.relp = relp
        self.kafka = kafka
        self.connectTimeout = connectTimeout
        self.writeTimeout = writeTimeout
    }

    /// The message cap the encoder for this output should use: the configured one, else 2048
    /// for UDP (a datagram that stays unfragmented on common paths; RFC 5426 §3.2 asks
    /// receivers for 2048) and 8192 for everything else.
    public var effectiveMaxMessageBytes: Int {
        if let maxMessageBytes { return maxMessageBytes }
        return url.lowercased().hasPrefix("udp:") ? 2048 : 8192
    }
}

/// A parsed output URL.
public enum Endpoint: Sendable, Equatable {
    case udp(host: String, port: Int)
    case tcp(host: String, port: Int)
    case tls(host: String, port: Int)
    /// RELP; over TLS when the output has a `tls` block.
    case relp(host: String, port: Int)
    case file(path: String)
    case stdout
    /// `kafka://host:port[,host:port…]/topic`: bootstrap brokers (`host:port`, IPv6 in
    /// brackets) and the topic.
    case kafka(brokers: [String], topic: String)

    /// The URL scheme, for messages ("this one is udp").
    public var scheme: String {
        switch self {
        case .udp: "udp"
        case .tcp: "tcp"
        case .tls: "tls"
        case .relp: "relp"
        case .file: "file"
        case .stdout: "stdout"
        case .kafka: "kafka"
        }
    }

    /// Parses `url`; throws an invalid-configuration error naming what is wrong.
    public static func parse(_ url: String, output: String) throws(OutputError) -> Endpoint {
        func invalid(_ reason: String) -> OutputError {
            OutputError(kind: .invalidConfiguration, output: output, url: url, operation: "parse URL", reason: reason)
        }
        let expected = "expected udp://host:port, tcp://host:port, tls://host:port, relp://host:port, kafka://host:port[,host:port…]/topic, file:///absolute/path or stdout:"
        guard let colon = url.firstIndex(of: ":") else { throw invalid("no scheme; \(expected)") }
        let scheme = url[..<colon].lowercased()
        let rest = url[url.index(after: colon)...]
        switch scheme {
        case "stdout":
            guard rest.isEmpty || rest == "//" else { throw invalid("stdout: takes nothing after the colon") }
            return .stdout
        case "file":
            guard rest.hasPrefix("//") else { throw invalid("expected file:///absolute/path") }
            let path = String(rest.dropFirst(2))
            // A trailing slash names a directory, which cannot be appended to.
            guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/") else {
                throw invalid("expected an absolute path (file:///var/log/mdca.log; a host part is not supported)")
            }
            return .file(path: path)
        case "udp", "tcp", "tls", "relp":
            guard rest.hasPrefix("//") else { throw invalid("expected \(scheme)://host:port") }
            let (host, port) = try hostPort(rest.dropFirst(2), invalid: invalid)
            switch scheme {
            case "udp": return .udp(host: host, port: port)
            case "tcp": return .tcp(host: host, port: port)
            case "relp": return .relp(host: host, port: port)
            default: return .tls(host: host, port: port)
            }
        case "kafka":
            return try kafka(rest, invalid: invalid)
        default:
            throw invalid("unknown scheme '\(scheme)'; \(expected)")
        }
    }

    /// `//host:port[,host:port…]/topic`.
    private static func kafka(_ rest: Substring, invalid: (String) -> OutputError) throws(OutputError) -> Endpoint {
        guard rest.hasPrefix("//"), let slash = rest.dropFirst(2).firstIndex(of: "/") else {
            throw invalid("expected kafka://host:port[,host:port…]/topic")
        }
        let authority = rest[rest.index(rest.startIndex, offsetBy: 2)..<slash]
        let topic = String(rest[rest.index(after: slash)...])
        var brokers: [String] = []
        for broker in authority.split(separator: ",", omittingEmptySubsequences: false) {
            let (host, port) = try hostPort(broker, invalid: invalid)
            brokers.append(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        }
        if let problem = kafkaTopicProblem(topic) { throw invalid(problem) }
        return .kafka(brokers: brokers, topic: topic)
    }

    /// Kafka's own rule for topic names: 1...249 of `[A-Za-z0-9._-]`, not `.` or `..`.
    static func kafkaTopicProblem(_ topic: String) -> String? {
        guard !topic.isEmpty else { return "missing topic after the brokers; expected kafka://host:port/topic" }
        guard topic.count <= 249, topic != ".", topic != "..",
              topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { return "topic '\(topic)' is not a Kafka topic name (1 to 249 of letters, digits, '.', '_', '-')" }
        return nil
    }

    private static func hostPort(_ authority: Substring, invalid: (String) -> OutputError) throws(OutputError) -> (String, Int) {
        var text = authority
        if text.hasSuffix("/") { text = text.dropLast() }
        guard !text.contains("/"), !text.contains("@"), !text.contains("?"), !text.contains("#") else {
            throw invalid("expected only host:port after '//' (no path, user or query)")
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            // IPv6 literal, RFC 3986 §3.2.2: [addr]:port
            guard let close = text.firstIndex(of: "]") else { throw invalid("unterminated '[' in IPv6 host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { throw invalid("missing port after IPv6 host; expected [addr]:port") }
            portText = after.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid("missing port; expected host:port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid("IPv6 hosts go in brackets: [addr]:port") }
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        guard !host.contains(where: \.isWhitespace) else { throw invalid("white space in the host") }
        // Digits only: Int("+514") would parse, and a signed port is a typo, not a port.
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port) else {
            throw invalid("port '\(portText)' is not a number in 1...65535")
        }
        return (String(host), port)
    }
}
