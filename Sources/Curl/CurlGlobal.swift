import CCurl

/// libcurl's process-wide initialisation, run exactly once before the first handle.
///
/// `curl_global_init` is not thread-safe and must precede every other curl call. A Swift
/// `static let` is initialised lazily under `swift_once`, which gives exactly-once and
/// thread-safety without a lock of our own. It is never cleaned up: handles may live until exit.
enum CurlGlobal {
    private static let result: CURLcode = curl_global_init(Int(CURL_GLOBAL_SSL))

    /// Initialises libcurl on first use; throws `.setup` if that failed (then every call fails).
    static func ensureInitialized() throws(CurlError) {
        let code = result
        guard code == CURLE_OK else {
            throw CurlError(kind: .setup, code: Int32(code.rawValue),
                            message: "curl_global_init: " + String(cString: curl_easy_strerror(code)),
                            url: "")
        }
    }
}
