import CCurl
import POSIX

/// A failed libcurl operation, with curl's own message and the URL it concerned.
///
/// The URL never carries userinfo, a query or a fragment: those are where tokens hide.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it was, for retry and reporting decisions.
    public enum Kind: Sendable, Equatable {
        /// A connect, total or send timeout, or a transfer slower than the low-speed limit.
        case timeout
        /// The TCP connection could not be established (refused, unreachable).
        case connect
        /// The host or proxy name did not resolve.
        case resolve
        /// The TLS handshake or certificate verification failed.
        case tls
        /// The response was larger than `HTTPClientOptions.maxResponseBytes`.
        case tooLarge
        /// The calling task was cancelled.
        case cancelled
        /// Any other failure while moving bytes (reset, bad response, too many redirects).
        case transport
        /// libcurl could not be initialised or refused an option (a bug or a bad setting).
        case setup
    }

    public var kind: Kind
    /// The `CURLcode` (or `CURLMcode` for `.setup` failures of the multi interface).
    public var code: Int32
    /// curl's error buffer, or `curl_easy_strerror` when the buffer is empty.
    public var message: String
    /// The URL concerned, without userinfo, query or fragment.
    public var url: String

    /// Creates an error; `url` is redacted here so that no caller can leak a secret through it.
    public init(kind: Kind, code: Int32, message: String, url: String) {
        self.kind = kind
        self.code = code
        self.message = message
        self.url = redactedURL(url)
    }

    public var description: String {
        "\(kind) error for \(url): \(message) (curl code \(code))"
    }
}

extension CurlError: ClassifiedError {
    /// Permanent (`.configuration`) when the TLS setup or the peer's certificate is the
    /// problem: verification failed (untrusted issuer, expired, host-name mismatch), the CA
    /// bundle or the client certificate is missing or unusable, a pinned key does not match, or
    /// the peer ended the handshake with a certificate alert (it wants or refuses our client
    /// certificate). None of these changes by sending again. Everything else that moves bytes
    /// (refused, timeout, reset, DNS) is transient.
    public var failureKind: FailureKind {
        switch kind {
        case .tls:
            if Self.permanentTLSCodes.contains(code) { return .configuration }
            // CURLE_SSL_CONNECT_ERROR also covers a reset during the handshake: only the
            // peer's certificate alert makes it permanent.
            return Self.isCertificateAlert(message) ? .configuration : .transient
        case .transport:
            // TLS 1.3 servers check a client certificate after the client finished its
            // handshake: their refusal arrives as the first read or write failing.
            return Self.isCertificateAlert(message) ? .configuration : .transient
        case .timeout, .connect, .resolve, .tooLarge, .cancelled, .setup:
            return .transient
        }
    }

    static let permanentTLSCodes: Set<Int32> = Set([
        CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
        CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
        CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
    ].map { Int32($0.rawValue) })

    /// OpenSSL's words for a certificate problem reported by either side, e.g. "tlsv13 alert
    /// certificate required", "sslv3 alert bad certificate", "certificate verify failed".
    static func isCertificateAlert(_ message: String) -> Bool {
        let text = message.lowercased()
        return text.contains("certificate") && (text.contains("alert") || text.contains("verify failed"))
    }
}

extension CurlError.Kind {
    /// Classifies a `CURLcode`. `CURLE_WRITE_ERROR` is `.tooLarge` only when the write callback
    /// refused the body for its size, which the transfer knows and this table does not.
    init(_ code: CURLcode) {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_COULDNT_CONNECT:
            self = .connect
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .resolve
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_SHUTDOWN_FAILED:
            self = .tls
        case CURLE_FILESIZE_EXCEEDED:
            self = .tooLarge
        case CURLE_ABORTED_BY_CALLBACK:
            self = .cancelled
        case CURLE_FAILED_INIT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,
             CURLE_NOT_BUILT_IN, CURLE_OUT_OF_MEMORY, CURLE_BAD_FUNCTION_ARGUMENT,
             CURLE_UNKNOWN_OPTION:
            self = .setup
        default:
            self = .transport
        }
    }
}

/// Removes userinfo, query and fragment from a URL: `https://u:p@h:1/a?token=x#f` → `https://h:1/a`.
///
/// Works on text rather than a parser so that even a URL curl rejected can be named safely.
func redactedURL(_ url: String) -> String {
    func withoutQuery(_ text: Substring) -> Substring { text.prefix { $0 != "?" && $0 != "#" } }
    guard let schemeEnd = url.firstRange(of: "://"),
          !url[..<schemeEnd.lowerBound].contains(where: { "/?#@".contains($0) })
    else { return String(withoutQuery(url[...])) }
    let scheme = url[..<schemeEnd.upperBound]
    var rest = url[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    if let at = rest[..<authorityEnd].lastIndex(of: "@") {
        // A '?' or '#' before the '@' cannot be told apart from a query holding an '@': say nothing.
        if rest[..<at].contains(where: { $0 == "?" || $0 == "#" }) { return scheme + "[redacted]" }
        rest = rest[rest.index(after: at)...]
    }
    return String(scheme + withoutQuery(rest))
}
