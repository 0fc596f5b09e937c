import Formats

/// `tls://host:port` (RFC 5425). Waits for `CurlStream` (branch `curl`); until then every
/// deliver fails with a clear error instead of sending in clear text.
enum TLSOutput {
    static func make(config: OutputConfig, host: String, port: Int, settings: TLSSettings) -> any Output {
        let name = config.name, url = config.url
        return StreamOutput(
            name: name, url: url, framing: config.framing ?? .octetCounting,
            cap: MessageCap(limit: config.maxMessageBytes)
        ) { () throws(OutputError) -> any ByteStream in
            throw OutputError(kind: .tls, output: name, url: url, operation: "TLS connect to \(host):\(port)",
                              reason: "TLS output not available in this build")
        }
    }
}
