import Formats

/// Builds the output for `config`, validating its URL (scheme, host, port, path) and its
/// settings. Nothing is opened or connected here: that happens on the first `deliver`.
public func makeOutput(_ config: OutputConfig) throws(OutputError) -> any Output {
    let endpoint = try Endpoint.parse(config.url, output: config.name)
    func invalid(_ reason: String) -> OutputError {
        OutputError(kind: .invalidConfiguration, output: config.name, url: config.url, operation: "configure", reason: reason)
    }
    if let max = config.maxMessageBytes, max < 64 {
        throw invalid("max_message_bytes \(max) is too small; expected at least 64 (RFC 5424 receivers accept 480)")
    }
    if config.connectTimeout <= .zero || config.writeTimeout <= .zero {
        throw invalid("timeouts must be positive")
    }
    switch endpoint {
    case .tcp, .tls: break
    default:
        if config.framing == .octetCounting { throw invalid("framing octet-counting applies to tcp:// and tls:// only") }
    }
    switch endpoint {
    case .tls, .relp: break
    default: if config.tls != nil { throw invalid("tls settings apply to tls:// and relp:// only") }
    }
    if config.relp != nil, endpoint.scheme != "relp" { throw invalid("relp settings apply to relp:// only") }
    if config.kafka != nil, case .kafka = endpoint {} else if config.kafka != nil {
        throw invalid("kafka settings apply to kafka:// only")
    }
    switch endpoint {
    case .udp(let host, let port):
        return QueueConfinedOutput(UDPOutput(config: config, host: host, port: port))
    case .tcp(let host, let port):
        return TCPOutput.make(config: config, host: host, port: port)
    case .tls(let host, let port):
        let settings = config.tls ?? TLSSettings()
        if (settings.certFile == nil) != (settings.keyFile == nil) {
            throw invalid("tls cert_file and key_file go together; got only one")
        }
        return TLSOutput.make(config: config, host: host, port: port, settings: settings)
    case .relp(let host, let port):
        let relp = config.relp ?? RELPSettings()
        guard RELPSettings.windowRange.contains(relp.window) else {
            throw invalid("relp window \(relp.window) is outside \(RELPSettings.windowRange)")
        }
        guard relp.timeout > .zero else { throw invalid("relp timeout must be positive") }
        if let tls = config.tls, (tls.certFile == nil) != (tls.keyFile == nil) {
            throw invalid("tls cert_file and key_file go together; got only one")
        }
        return QueueConfinedOutput(RELPOutput(config: config, host: host, port: port, settings: relp))
    case .file(let path):
        return QueueConfinedOutput(FileOutput(config: config, path: path))
    case .stdout:
        return QueueConfinedOutput(StdoutOutput(config: config))
    case .kafka(let brokers, let topic):
        let kafka = config.kafka ?? KafkaSettings()
        guard kafka.deliveryTimeout >= .seconds(1) else { throw invalid("kafka delivery_timeout must be at least 1s") }
        let settings = try KafkaOutput.settings(brokers: brokers, kafka: kafka, invalid: invalid)
        return KafkaOutput(config: config, topic: topic, settings: settings, deliveryTimeout: kafka.deliveryTimeout)
    }
}
