import ArgumentParser

/// `--listen HOST:PORT`, loopback unless `--allow-remote`.
struct ListenAddress {
    var host: String
    var port: UInt16

    init(_ text: String, allowRemote: Bool) throws {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ValidationError("--listen must be HOST:PORT, got '\(text)'") }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValidationError("--listen must be HOST:PORT, got '\(text)'") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = UInt16(portPart) else {
            throw ValidationError("--listen must be HOST:PORT with a port in 0...65535, got '\(text)'")
        }
        host = String(hostPart)
        self.port = port
        guard allowRemote || Self.isLoopback(host) else {
            throw ValidationError("--listen \(text) is not a loopback address; the simulator serves fake data with a known token, so pass --allow-remote to expose it")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
