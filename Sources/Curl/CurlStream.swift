import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX

/// A blocking byte stream to host:port, plain TCP or TLS (libcurl CONNECT_ONLY), for the
/// tcp://, tls:// and relp:// outputs. Not thread-safe: one owner thread.
///
/// With CONNECT_ONLY curl stops after connecting: for an `http://` URL that is the bare TCP
/// connection (no HTTP is ever spoken), for `https://` it also completes the TLS handshake with
/// full verification, and `curl_easy_send` then writes through TLS. A proxy is never used.
public final class CurlStream {
    /// TLS settings; verification is always on. The tls:// output's settings are this type.
    public struct TLS: Sendable, Equatable {
        /// PEM bundle to trust instead of the system store.
        public var caFile: String?
        /// Client certificate and key (PEM) for servers that require one.
        public var certFile: String?
        public var keyFile: String?
        /// The name to send (SNI) and verify in the certificate, when it differs from the host.
        public var serverName: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.serverName = serverName
        }
    }

    // Internal rather than private: the non-blocking operations (CurlStream+NonBlocking.swift)
    // use them too.
    var easy: EasyHandle?
    let socket: curl_socket_t
    /// `tcp://host:port` or `tls://host:port`, named in errors.
    let label: String
    /// Whether reads still ask for immediate ACKs (`receiveAvailable`); false once refused.
    var quickAcknowledgements = true

    /// Connects (and for TLS completes the handshake) before returning; blocks the calling thread.
    public init(host: String, port: Int, tls: TLS?, connectTimeout: Duration) throws(CurlError) {
        label = "\(tls == nil ? "tcp" : "tls")://\(bracketed(host)):\(port)"
        let easy = try EasyHandle()
        easy.errorURL = label
        var connectTo: StringList?
        if let tls {
            let serverName = tls.serverName ?? host
            try easy.set(CURLOPT_URL, "https://\(bracketed(serverName)):\(port)")
            if serverName != host {
                // Connect to `host` while verifying and sending SNI for `serverName`.
                connectTo = try StringList(["\(bracketed(serverName)):\(port):\(bracketed(host)):\(port)"])
                try easy.set(CURLOPT_CONNECT_TO, pointer: connectTo?.raw)
            }
            try easy.set(CURLOPT_SSL_VERIFYPEER, true)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile = tls.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            if let certFile = tls.certFile { try easy.set(CURLOPT_SSLCERT, certFile) }
            if let keyFile = tls.keyFile { try easy.set(CURLOPT_SSLKEY, keyFile) }
            // A syslog receiver speaks no HTTP: offer no ALPN protocol.
            try easy.set(CURLOPT_SSL_ENABLE_ALPN, false)
        } else {
            try easy.set(CURLOPT_URL, "http://\(bracketed(host)):\(port)")
        }
        try easy.set(CURLOPT_CONNECT_ONLY, 1)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_PROXY, "")   // empty disables HTTPS_PROXY & co. from the environment
        try easy.set(CURLOPT_NOSIGNAL, true)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds: connectTimeout)
        try withExtendedLifetime(connectTo) { () throws(CurlError) in
            try easy.check(curl_easy_perform(easy.raw), "connect")
        }
        socket = try easy.activeSocket()
        self.easy = easy
    }

    /// Writes all bytes or throws. `.timeout` when the receiver stops reading for `timeout`
    /// overall; after any error part of the bytes may have been written: close and reconnect.
    public func send(_ bytes: UnsafeRawBufferPointer, timeout: Duration) throws(CurlError) {
        guard let easy else { throw closedError() }
        guard let base = bytes.baseAddress else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var written = 0
        while written < bytes.count {
            var sent = 0
            let code = curl_easy_send(easy.raw, base + written, bytes.count - written, &sent)
            if code == CURLE_AGAIN {
                try waitUntilWritable(deadline: deadline, clock: clock) { () -> CurlError in
                    CurlError(kind: .timeout, code: Int32(CURLE_OPERATION_TIMEDOUT.rawValue),
                              message: "send timed out after \(timeout) with \(written) of \(bytes.count) bytes written; the receiver is not reading",
                              url: label)
                }
                continue
            }
            try easy.check(code, "curl_easy_send")
            written += sent
        }
    }

    /// The connection's socket (CURLINFO_ACTIVESOCKET), for callers that wait on the kernel's
    /// view of it (e.g. until the peer acknowledged every byte). Never read or write it: the
    /// bytes on it are curl's (TLS records).
    public var socketDescriptor: Int32 { socket }

    /// Non-blocking check for EOF or reset from the receiver (syslog receivers never send data).
    public func isPeerClosed() -> Bool {
        guard let easy else { return true }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready: Int32
        do {
            ready = try systemCall("poll") { poll(&descriptor, 1, 0) }
        } catch {
            return true   // the socket itself is unusable
        }
        guard ready > 0 else { return false }
        if Int32(descriptor.revents) & (POLLERR | POLLHUP | POLLNVAL) != 0 { return true }
        // Readable: EOF, stray bytes, or a TLS record curl consumes itself (a session ticket).
        var scratch = [UInt8](repeating: 0, count: 512)
        var received = 0
        let code = scratch.withUnsafeMutableBytes { curl_easy_recv(easy.raw, $0.baseAddress, $0.count, &received) }
        switch code {
        case CURLE_OK: return received == 0
        case CURLE_AGAIN: return false
        default: return true
        }
    }

    /// Closes the connection (TLS close_notify included); later sends throw.
    public func close() {
        easy = nil
    }

    private func waitUntilWritable(deadline: ContinuousClock.Instant, clock: ContinuousClock,
                                   timeoutError: () -> CurlError) throws(CurlError) {
        while true {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw timeoutError() }
            var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            let ready: Int32
            do {
                ready = try systemCall("poll") { poll(&descriptor, 1, Int32(clamping: remaining.wholeMilliseconds)) }
            } catch {
                throw CurlError(kind: .transport, code: Int32(CURLE_SEND_ERROR.rawValue),
                                message: "poll for writability: \(error.text)", url: label)
            }
            if ready > 0 { return }   // writable, or an error the next send reports
        }
    }

    func closedError() -> CurlError {
        CurlError(kind: .transport, code: Int32(CURLE_SEND_ERROR.rawValue), message: "stream is closed", url: label)
    }
}

@available(*, unavailable)
extension CurlStream: Sendable {}

/// IPv6 literals go in brackets in URLs and CONNECT_TO entries.
private func bracketed(_ host: String) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
}
