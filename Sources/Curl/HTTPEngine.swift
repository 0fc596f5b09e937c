import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client's curl state: the easy handle reused for every request (so its DNS cache and the
/// multi handle's keep-alive connections are reused) and the code that configures a transfer.
///
/// Not thread-safe; `HTTPClient` runs it on its own queue, one transfer at a time.
final class HTTPEngine {
    private let options: HTTPClientOptions
    private let easy: EasyHandle
    private let multi: MultiHandle
    /// The last response's body, kept to receive the next one in the same memory: scan pages
    /// are 10–30 MB, and a fresh buffer per page makes glibc keep several freed page-sized
    /// blocks around (peak RSS grew with the backlog) and fault fresh pages in each time.
    /// Once the caller has dropped the previous page this is the only reference, and the
    /// next body is written in place; while the caller still holds it, the next body gets
    /// new storage (copy-on-write), as before.
    private var spareBody: [UInt8] = []
    /// Bodies bigger than this are not kept between requests.
    static let maxSpareBytes = 64 << 20

    init(options: HTTPClientOptions) throws(CurlError) {
        self.options = options
        easy = try EasyHandle()
        multi = try MultiHandle()
    }

    /// Same-origin redirects followed before the request fails.
    static let maxRedirects = 3

    /// Runs one request to completion, following redirects within the request's origin; blocks
    /// the calling thread.
    ///
    /// curl itself never follows a redirect: a redirect to another origin (scheme, host or
    /// port) comes back as the 3xx response it is, never as the other origin's answer, so
    /// whoever controls a redirect target cannot answer in the service's name (PRODUCT §3
    /// "Redirects"), and credentials never travel there.
    func perform(_ request: HTTPRequest, cancellation: CancellationFlag) throws(CurlError) -> HTTPResponse {
        let origin = URLOrigin(request.url)
        var current = request
        var hops = 0
        while true {
            let (response, target) = try performOnce(current, cancellation: cancellation)
            guard [301, 302, 303, 307, 308].contains(response.status), let target, let origin,
                  URLOrigin(target) == origin else { return response }
            guard hops < Self.maxRedirects else {
                throw CurlError(kind: .transport, code: Int32(CURLE_TOO_MANY_REDIRECTS.rawValue),
                                message: "more than \(Self.maxRedirects) redirects", url: request.url)
            }
            hops += 1
            current.url = target
            // As browsers and curl do: 303, and 301/302 after a POST, continue as a GET.
            if (response.status == 303 && current.method != "HEAD") || (current.method == "POST" && response.status != 307 && response.status != 308) {
                current.method = "GET"
                current.body = nil
            }
        }
    }

    /// One transfer; also returns the absolute URL a 3xx points to (CURLINFO_REDIRECT_URL).
    private func performOnce(_ request: HTTPRequest, cancellation: CancellationFlag) throws(CurlError) -> (HTTPResponse, String?) {
        easy.errorURL = redactedURL(request.url)
        guard !cancellation.isSet else {
            throw CurlError(kind: .cancelled, code: Int32(CURLE_ABORTED_BY_CALLBACK.rawValue),
                            message: "cancelled before the transfer started", url: request.url)
        }
        try easy.reset()
        var storage: [UInt8] = []
        swap(&storage, &spareBody)
        let collector = ResponseCollector(
            maxBytes: options.maxResponseBytes, cancellation: cancellation, storage: consume storage)
        let headerList = try StringList.headers(request.headers, url: request.url)
        try configureTransfer(request, headers: headerList)
        try configureCallbacks(collector)

        let code = try withExtendedLifetime((collector, headerList)) { () throws(CurlError) -> CURLcode in
            try multi.run(easy, isCancelled: { cancellation.isSet })
        }
        if collector.exceededLimit {
            throw CurlError(kind: .tooLarge, code: Int32(code.rawValue),
                            message: "response body larger than \(options.maxResponseBytes) bytes", url: request.url)
        }
        try easy.check(code, "HTTP \(request.method)")
        let status = try easy.info(long: CURLINFO_RESPONSE_CODE)
        let target = (300..<400).contains(status) ? try easy.info(string: CURLINFO_REDIRECT_URL) : nil
        if collector.body.capacity <= Self.maxSpareBytes { spareBody = collector.body }
        return (HTTPResponse(status: status, headers: collector.headers, body: collector.body), target)
    }

    private func configureTransfer(_ request: HTTPRequest, headers: StringList) throws(CurlError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_NOSIGNAL, true)   // timeouts must not use SIGALRM in a threaded process
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        // Redirects are followed in `perform`, within the origin only.
        try easy.set(CURLOPT_FOLLOWLOCATION, false)
        // Timeouts.
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds: options.connectTimeout)
        try easy.set(CURLOPT_TIMEOUT_MS, milliseconds: options.totalTimeout)
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedLimitBytesPerSecond)
        try easy.set(CURLOPT_LOW_SPEED_TIME, max(1, (options.lowSpeedTime.wholeMilliseconds + 999) / 1000))
        // TLS: verification is never turned off.
        try easy.set(CURLOPT_SSL_VERIFYPEER, true)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.set(CURLOPT_PROXY_SSL_VERIFYPEER, true)
        try easy.set(CURLOPT_PROXY_SSL_VERIFYHOST, 2)
        if let caFile = options.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        if let certFile = options.clientCertFile { try easy.set(CURLOPT_SSLCERT, certFile) }
        if let keyFile = options.clientKeyFile { try easy.set(CURLOPT_SSLKEY, keyFile) }
        try easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        // Proxy: an explicit one still honours NO_PROXY; otherwise curl reads the environment.
        if let proxy = options.proxy {
            try easy.set(CURLOPT_PROXY, proxy)
            if let noProxy = environment("NO_PROXY") ?? environment("no_proxy") {
                try easy.set(CURLOPT_NOPROXY, noProxy)
            }
        }
        try easy.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, true)
        try easy.set(CURLOPT_ACCEPT_ENCODING, "")   // every encoding this libcurl decodes
        try easy.set(CURLOPT_USERAGENT, options.userAgent)
        // Rejects a too-large Content-Length before any body byte is read.
        try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(options.maxResponseBytes))
        try easy.set(CURLOPT_HTTPHEADER, pointer: headers.raw)
        try configureMethod(request)
    }

    private func configureMethod(_ request: HTTPRequest) throws(CurlError) {
        switch (request.method, request.body) {
        case ("GET", nil):
            try easy.set(CURLOPT_HTTPGET, true)
        case ("HEAD", nil):
            try easy.set(CURLOPT_NOBODY, true)
        case (let method, let body):
            // Any body goes as POSTFIELDS (copied by curl); other methods keep their name.
            let bytes = body ?? []
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(bytes.count))
            let code = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { mdca_easy_setopt_pointer(easy.raw, CURLOPT_COPYPOSTFIELDS, $0) }
                    ?? "".withCString { mdca_easy_setopt_pointer(easy.raw, CURLOPT_COPYPOSTFIELDS, $0) }
            }
            try easy.check(code, "curl_easy_setopt(CURLOPT_COPYPOSTFIELDS)")
            if method != "POST" { try easy.set(CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    private func configureCallbacks(_ collector: ResponseCollector) throws(CurlError) {
        let userdata = UnsafeRawPointer(Unmanaged.passUnretained(collector).toOpaque())
        try easy.set(CURLOPT_WRITEFUNCTION, writeCallback: collectorWriteCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: userdata)
        try easy.set(CURLOPT_HEADERFUNCTION, writeCallback: collectorHeaderCallback)
        try easy.set(CURLOPT_HEADERDATA, pointer: userdata)
        try easy.set(CURLOPT_XFERINFOFUNCTION, xferinfoCallback: collectorXferinfoCallback)
        try easy.set(CURLOPT_XFERINFODATA, pointer: userdata)
        try easy.set(CURLOPT_NOPROGRESS, false)
    }

    private func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

@available(*, unavailable)
extension HTTPEngine: Sendable {}
