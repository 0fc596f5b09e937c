import CCurl

/// A `curl_slist` (request headers, CONNECT_TO entries), freed on deinit.
///
/// curl reads the list during the transfer, so its owner keeps it alive until the transfer ends.
final class StringList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) throws(CurlError) {
        for line in lines { try append(line) }
    }

    /// Request header lines. Rejects CR/LF (header injection) and names curl would misread, and
    /// adds `Expect:` so curl never waits for a `100 Continue` that small servers do not send.
    /// `url` names the request in the error (redacted by `CurlError`).
    static func headers(_ headers: [HTTPHeader], url: String) throws(CurlError) -> StringList {
        var lines: [String] = []
        for header in headers {
            guard !header.name.isEmpty,
                  !header.name.contains(where: { $0 == ":" || $0 == ";" || $0 == " " || $0.isNewline }),
                  !header.value.contains(where: \.isNewline)
            else {
                // The value is never quoted: it may be a credential.
                throw CurlError(kind: .setup, code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                                message: "invalid request header name or value for '\(header.name.filter { !$0.isNewline })' (a line break or an invalid name)",
                                url: url)
            }
            // "Name:" would tell curl to remove the header; "Name;" sends it with an empty value.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        lines.append("Expect:")
        return try StringList(lines)
    }

    deinit {
        curl_slist_free_all(raw)
    }

    private func append(_ line: String) throws(CurlError) {
        guard let next = curl_slist_append(raw, line) else {
            throw CurlError(kind: .setup, code: Int32(CURLE_OUT_OF_MEMORY.rawValue),
                            message: "curl_slist_append returned NULL", url: "")
        }
        raw = next
    }
}

@available(*, unavailable)
extension StringList: Sendable {}
