import Yams

extension ConfigReader {
    static let outputKeys = ["name", "url", "format", "syslog", "framing", "facility", "severity",
                             "max_message_bytes", "hostname", "app_name", "tls", "relp", "kafka", "cef"]

    func outputSettings(_ node: Node, at keyPath: String) throws(ConfigError) -> [OutputSettings] {
        let items = try sequence(node, at: keyPath, expected: "a sequence of outputs (- name: …, url: …)")
        guard !items.isEmpty else {
            throw error(keyPath, at: node, "expected at least one output")
        }
        var outputs: [OutputSettings] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let output = try outputSetting(item, at: "\(keyPath)[\(index)]", index: index)
            if let first = seen[output.name] {
                throw error("\(keyPath)[\(index)].name", at: item,
                            "duplicate output name \(ConfigValue.quoted(output.name)) (also used by \(keyPath)[\(first)]); names must be unique")
            }
            seen[output.name] = index
            outputs.append(output)
        }
        return outputs
    }

    private func outputSetting(_ node: Node, at keyPath: String, index: Int) throws(ConfigError) -> OutputSettings {
        let section = try mapping(node, at: keyPath, allowed: Self.outputKeys)
        let url = try section.requiredString("url", expected: "udp://host:port, tcp://host:port, tls://host:port, relp://host:port, kafka://host:port/topic, file:///path or stdout:")
        let endpoint = try endpoint(url, section)
        let name = try section.string("name", expected: "a short name for logs and status") ?? "output-\(index)"
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw section.error("name", "expected letters, digits, -, _ or . (it appears in logs and STATUS), got \(ConfigValue.quoted(name))")
        }
        var output = OutputSettings(name: name, url: url, endpoint: endpoint)
        output.format = try section.choice("format", OutputSettings.Format.allCases.map { ($0.rawValue, $0) }) ?? output.format
        output.syslog = try section.choice("syslog", OutputSettings.SyslogHeader.allCases.map { ($0.rawValue, $0) }) ?? output.syslog
        if section.has("framing") {
            guard output.framing != nil else {
                throw section.error("framing", "framing applies to tcp:// and tls:// outputs only (this one is \(endpoint.scheme))")
            }
            output.framing = try section.choice("framing", OutputSettings.Framing.allCases.map { ($0.rawValue, $0) })
        }
        let facilities = OutputSettings.Facility.allCases.map { ($0.name, $0) } + OutputSettings.Facility.aliases.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        output.facility = try section.choice("facility", facilities) ?? output.facility
        let severities = OutputSettings.Severity.allCases.map { ($0.name, $0) } + OutputSettings.Severity.aliases.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        output.severity = try section.choice("severity", severities) ?? output.severity
        if case .udp = endpoint {
            output.maxMessageBytes = try section.int("max_message_bytes", in: 480...65_507,
                why: "a UDP datagram carries at most 65507 bytes over IPv4; RFC 5426 asks receivers for 480") ?? output.maxMessageBytes
        } else {
            output.maxMessageBytes = try section.int("max_message_bytes", in: 480...(1 << 20),
                why: "480 bytes to 1 MiB per message") ?? output.maxMessageBytes
        }
        if let hostname = try section.string("hostname", expected: "a syslog HOSTNAME (printable ASCII, no spaces, at most 255)") {
            guard hostname.count <= 255, hostname.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw section.error("hostname", "expected printable ASCII without spaces, at most 255 characters (RFC 5424 HOSTNAME)")
            }
            output.hostname = hostname
        }
        if let appName = try section.string("app_name", expected: "a syslog APP-NAME (printable ASCII, no spaces, at most 48)") {
            guard appName.count <= 48, appName.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw section.error("app_name", "expected printable ASCII without spaces, at most 48 characters (RFC 5424 APP-NAME)")
            }
            output.appName = appName
        }
        if section.has("tls") {
            switch endpoint {
            case .tls, .relp: break
            default:
                let hint = endpoint.scheme == "kafka" ? "; a kafka:// output takes its tls block inside kafka:" : ""
                throw section.error("tls", "a tls block applies to tls:// and relp:// outputs only (this one is \(endpoint.scheme))\(hint)")
            }
            output.tls = try tlsSettings(section)
        }
        if section.has("relp") {
            guard case .relp = endpoint else {
                throw section.error("relp", "a relp block applies to relp:// outputs only (this one is \(endpoint.scheme))")
            }
            output.relp = try relpSettings(section)
        }
        if section.has("kafka") {
            guard case .kafka = endpoint else {
                throw section.error("kafka", "a kafka block applies to kafka:// outputs only (this one is \(endpoint.scheme))")
            }
        }
        if case .kafka = endpoint { output.kafka = try kafkaSettings(section) }
        if let cef = try section.mapping("cef", allowed: ["vendor", "product", "version"]) {
            output.cef = OutputSettings.CEFOverrides(
                vendor: try cef.string("vendor"), product: try cef.string("product"), version: try cef.string("version"))
        }
        return output
    }

    private func tlsSettings(_ output: MappingReader) throws(ConfigError) -> OutputSettings.TLSSettings? {
        guard let section = try output.mapping("tls", allowed: ["ca_file", "cert_file", "key_file", "server_name"]) else {
            return OutputSettings.TLSSettings()
        }
        var tls = OutputSettings.TLSSettings()
        for (key, keyPath) in [("ca_file", \OutputSettings.TLSSettings.caFile), ("cert_file", \.certFile)] {
            if let path = try section.string(key, expected: "an absolute path to a PEM file") {
                if let problem = FileChecks.regularFileProblem(path) { throw section.error(key, problem) }
                tls[keyPath: keyPath] = path
            }
        }
        if let path = try section.string("key_file", expected: "an absolute path to a PEM private key", echo: false) {
            if let problem = FileChecks.secretFileProblem(path) { throw section.error("key_file", problem) }
            tls.keyFile = path
        }
        guard (tls.certFile == nil) == (tls.keyFile == nil) else {
            throw error(section.keyPath, at: section.node, "cert_file and key_file go together (client certificate authentication)")
        }
        tls.serverName = try section.string("server_name", expected: "the host name to verify the certificate against")
        return tls
    }

    /// `relp: {window: 128, timeout: 30s}`.
    private func relpSettings(_ output: MappingReader) throws(ConfigError) -> OutputSettings.RELPSettings {
        var relp = OutputSettings.RELPSettings()
        guard let section = try output.mapping("relp", allowed: ["window", "timeout"]) else { return relp }
        relp.window = try section.int("window", in: OutputSettings.RELPSettings.windowRange,
                                      why: "syslog commands waiting for the receiver's response at once") ?? relp.window
        relp.timeout = try section.duration("timeout") ?? relp.timeout
        return relp
    }

    /// Parses an output URL with the outputs' own parser (`Endpoint.parse`: names, IPv4 or
    /// bracketed IPv6 hosts) and words its refusal as a configuration error for this key.
    private func endpoint(_ url: String, _ section: MappingReader) throws(ConfigError) -> OutputSettings.Endpoint {
        let expected = "udp://host:port, tcp://host:port, tls://host:port, relp://host:port, kafka://host:port[,host:port…]/topic, file:///path or stdout:"
        do {
            return try OutputSettings.Endpoint.parse(url, output: "")
        } catch {
            let scheme = url.firstIndex(of: ":").map { url[..<$0].lowercased() }
            let message = switch scheme {
            case nil: "expected \(expected), got \(ConfigValue.quoted(url))"
            case "udp", "tcp", "tls", "relp": "expected \(scheme ?? "")://host:port with a port in 1...65535, got \(ConfigValue.quoted(url)) (\(error.reason))"
            case "file": "expected file:///absolute/path/to/file (three slashes), got \(ConfigValue.quoted(url)) (\(error.reason))"
            case "stdout": "expected stdout: with nothing after the colon, got \(ConfigValue.quoted(url))"
            case "kafka": "expected kafka://host:port[,host:port…]/topic, got \(ConfigValue.quoted(url)) (\(error.reason))"
            default: "unknown output scheme \(ConfigValue.quoted(scheme ?? "")); expected \(expected)"
            }
            throw section.error("url", message)
        }
    }
}
