import CCurl

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
