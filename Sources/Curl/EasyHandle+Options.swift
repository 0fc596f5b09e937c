import CCurl

/// Typed setters and getters over the shim's non-variadic wrappers; each result goes through `check`.
extension EasyHandle {
    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(mdca_easy_setopt_long(raw, option, value), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, _ value: Bool) throws(CurlError) {
        try set(option, value ? 1 : 0)
    }

    /// String options: libcurl copies the string (since 7.17), so the pointer need not outlive the call.
    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        let code = value.withCString { mdca_easy_setopt_pointer(raw, option, $0) }
        try check(code, "curl_easy_setopt(\(option.rawValue))")
    }

    /// Pointer options (slists, userdata): the caller keeps the pointee alive during the transfer.
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(CurlError) {
        try check(mdca_easy_setopt_pointer(raw, option, pointer), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, offset: Int64) throws(CurlError) {
        try check(mdca_easy_setopt_off_t(raw, option, curl_off_t(offset)), "curl_easy_setopt(\(option.rawValue))")
    }

    /// Millisecond options (`*_MS`); libcurl reads 0 as "no limit", so a positive duration is at least 1 ms.
    func set(_ option: CURLoption, milliseconds duration: Duration) throws(CurlError) {
        try set(option, duration.wholeMilliseconds)
    }

    func set(_ option: CURLoption, writeCallback: curl_write_callback) throws(CurlError) {
        try check(mdca_easy_setopt_write_callback(raw, option, writeCallback), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, xferinfoCallback: curl_xferinfo_callback) throws(CurlError) {
        try check(mdca_easy_setopt_xferinfo_callback(raw, option, xferinfoCallback), "curl_easy_setopt(\(option.rawValue))")
    }

    func info(long info: CURLINFO) throws(CurlError) -> Int {
        var value = 0
        try check(mdca_easy_getinfo_long(raw, info, &value), "curl_easy_getinfo(\(info.rawValue))")
        return value
    }

    /// A string info (e.g. CURLINFO_REDIRECT_URL); nil when curl has none.
    func info(string info: CURLINFO) throws(CurlError) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        try check(mdca_easy_getinfo_string(raw, info, &value), "curl_easy_getinfo(\(info.rawValue))")
        return value.map { String(cString: $0) }
    }

    /// The socket of a CONNECT_ONLY connection (CURLINFO_ACTIVESOCKET).
    func activeSocket() throws(CurlError) -> curl_socket_t {
        var socket = CURL_SOCKET_BAD
        try check(mdca_easy_getinfo_socket(raw, CURLINFO_ACTIVESOCKET, &socket), "curl_easy_getinfo(CURLINFO_ACTIVESOCKET)")
        guard socket != CURL_SOCKET_BAD else {
            throw CurlError(kind: .transport, code: Int32(CURLE_UNSUPPORTED_PROTOCOL.rawValue),
                            message: "no active socket after connect", url: errorURL)
        }
        return socket
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a positive duration never becomes curl's "no limit" 0.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return max(0, millis)
    }
}
