import CCurl

/// The origin (RFC 6454: scheme, host, port) of a URL, parsed by libcurl's own URL parser so
/// that the check agrees with what curl would connect to.
public struct URLOrigin: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    /// nil when `url` is not an absolute URL curl can parse.
    public init?(_ url: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        // Non-standard schemes are accepted here so that a redirect to one is named, not hidden.
        guard curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart, _ flags: Int32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, UInt32(flags)) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST) else { return nil }
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT).flatMap { Int($0) } ?? 0
    }

    /// `scheme://host:port`: no userinfo, path or query, so it never carries a secret.
    public var description: String { "\(scheme)://\(host)\(port == 0 ? "" : ":\(port)")" }
}
