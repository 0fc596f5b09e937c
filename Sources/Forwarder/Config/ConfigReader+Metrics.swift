#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Yams

extension ConfigReader {
    /// `metrics: {listen: 127.0.0.1:9469}`: an IP literal and a port. A host name is refused:
    /// what the listener binds must not depend on DNS, and an operator exposing it beyond
    /// loopback should say which address on purpose.
    func metricsConfig(_ node: Node) throws(ConfigError) -> MetricsConfig {
        let section = try mapping(node, at: "metrics", allowed: ["listen"])
        let expected = "an address and port like 127.0.0.1:9469 or [::1]:9469"
        let text = try section.requiredString("listen", expected: expected)
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw section.error("listen", "expected \(expected), got \(ConfigValue.quoted(text))")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw section.error("listen", "expected \(expected), got \(ConfigValue.quoted(text))")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        if host == "localhost" { host = "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, String(host), &v4) == 1 || inet_pton(AF_INET6, String(host), &v6) == 1 else {
            throw section.error("listen", "expected an IP address (not a host name) and a port, like 127.0.0.1:9469; got \(ConfigValue.quoted(text))")
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = Int(portText), (1...65535).contains(port) else {
            throw section.error("listen", "expected a port from 1 to 65535 after the address, got \(ConfigValue.quoted(text))")
        }
        return MetricsConfig(host: String(host), port: port)
    }
}
