import CCurl

/// Owns one `CURLM *` and drives one easy transfer at a time through it.
///
/// The multi interface (rather than `curl_easy_perform`) keeps the poll interval short, so a
/// cancelled task is noticed within `pollInterval` even while the server sends nothing:
/// `curl_easy_perform` can sit in its poll for a full second. The multi handle also owns the
/// connection cache, so keep-alive connections outlive `curl_easy_reset` between requests.
final class MultiHandle {
    private let raw: UnsafeMutableRawPointer
    /// How long one `curl_multi_poll` may block before progress and cancellation are re-checked.
    private let pollMilliseconds: Int32 = 50

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_multi_init() else {
            throw CurlError(kind: .setup, code: Int32(CURLM_OUT_OF_MEMORY.rawValue),
                            message: "curl_multi_init returned NULL", url: "")
        }
        self.raw = raw
    }

    deinit {
        curl_multi_cleanup(raw)
    }

    /// Runs `easy` to completion and returns its transfer result; the caller checks that code.
    /// Throws only for failures of the multi interface itself. When `isCancelled` turns true the
    /// transfer is dropped and `CURLE_ABORTED_BY_CALLBACK` returned, as the xferinfo callback would.
    func run(_ easy: EasyHandle, isCancelled: () -> Bool) throws(CurlError) -> CURLcode {
        try check(curl_multi_add_handle(raw, easy.raw), "curl_multi_add_handle", easy)
        let outcome: Result<CURLcode, CurlError>
        do {
            outcome = .success(try drive(easy, isCancelled: isCancelled))
        } catch {
            outcome = .failure(error)
        }
        let removed = curl_multi_remove_handle(raw, easy.raw)
        let code = try outcome.get()
        try check(removed, "curl_multi_remove_handle", easy)
        return code
    }

    private func drive(_ easy: EasyHandle, isCancelled: () -> Bool) throws(CurlError) -> CURLcode {
        while true {
            var running: Int32 = 0
            try check(curl_multi_perform(raw, &running), "curl_multi_perform", easy)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(raw, &queued) {
                if message.pointee.msg == CURLMSG_DONE, message.pointee.easy_handle == easy.raw {
                    return message.pointee.data.result
                }
            }
            if isCancelled() { return CURLE_ABORTED_BY_CALLBACK }
            try check(curl_multi_poll(raw, nil, 0, pollMilliseconds, nil), "curl_multi_poll", easy)
        }
    }

    private func check(_ code: CURLMcode, _ call: String, _ easy: EasyHandle) throws(CurlError) {
        guard code != CURLM_OK else { return }
        throw CurlError(kind: .setup, code: Int32(code.rawValue),
                        message: "\(call): \(String(cString: curl_multi_strerror(code)))", url: easy.errorURL)
    }
}

@available(*, unavailable)
extension MultiHandle: Sendable {}
