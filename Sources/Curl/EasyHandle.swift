import CCurl

/// Owns one `CURL *` and its error buffer; every `CURLcode` of it goes through `check`.
///
/// Not thread-safe: libcurl allows one thread per easy handle at a time.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: curl writes its detailed message here (CURL_ERROR_SIZE bytes).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The URL named in errors, already redacted.
    var errorURL: String = ""

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else {
            throw CurlError(kind: .setup, code: Int32(CURLE_FAILED_INIT.rawValue),
                            message: "curl_easy_init returned NULL", url: "")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        do {
            try installErrorBuffer()
        } catch {
            curl_easy_cleanup(raw)
            errorBuffer.deallocate()
            throw error
        }
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Clears every option (keeping curl's caches) and re-installs the error buffer.
    func reset() throws(CurlError) {
        curl_easy_reset(raw)
        try installErrorBuffer()
    }

    private func installErrorBuffer() throws(CurlError) {
        errorBuffer[0] = 0
        try check(mdca_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    /// The one place a `CURLcode` becomes a `CurlError`: curl's message, the redacted URL, and
    /// `context` (the option or call) when curl left its error buffer empty.
    func check(_ code: CURLcode, _ context: @autoclosure () -> String) throws(CurlError) {
        guard code != CURLE_OK else { return }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty
            ? "\(context()): \(String(cString: curl_easy_strerror(code)))"
            : detail
        errorBuffer[0] = 0
        throw CurlError(kind: CurlError.Kind(code), code: Int32(code.rawValue),
                        message: message, url: errorURL)
    }
}

@available(*, unavailable)
extension EasyHandle: Sendable {}
