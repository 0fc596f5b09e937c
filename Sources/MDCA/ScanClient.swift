import ActivityJSON
import Curl
import Logging

/// The Activities API client of one tenant: every request goes through the tenant's pacer and
/// the retry policy (PRODUCT §3 "Pacing").
public struct ScanClient: PageFetching {
    /// The portal URL without a trailing slash.
    public let baseURL: String
    let authenticator: any Authenticator
    let http: HTTPClient
    let pacer: Pacer
    let logger: Logger
    let retry: RetryPolicy

    public init(
        baseURL: String, authenticator: any Authenticator, http: HTTPClient, pacer: Pacer, logger: Logger,
        retry: RetryPolicy
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.authenticator = authenticator
        self.http = http
        self.pacer = pacer
        self.logger = logger
        self.retry = retry
    }

    /// `POST {base}/api/v1/activities/`.
    public var listURL: String { "\(baseURL)/api/v1/activities/" }

    /// The request plan of a created-ordered scan of `[cursorMs, untilMs]` (PRODUCT §3
    /// "Query") on this client's endpoint.
    /// - Parameter configuredFilters: filters already checked by `FilterValidator`.
    public func scan(
        from cursorMs: Int64, until untilMs: Int64, configuredFilters: [String: FilterValue] = [:],
        limit: Int = ScanRequest.defaultLimit
    ) -> ScanSession {
        ScanSession(
            firstFilters: ScanRequest.firstPageFilters(configured: configuredFilters, fromMs: cursorMs, untilMs: untilMs),
            limit: limit, url: listURL)
    }

    /// Sends one planned list request (`PageFetching`) through the tenant's pacer and the
    /// retry policy: 429, 5xx, transport errors and unusable bodies are retried as the policy
    /// allows; a 401 refreshes the credentials and is retried once.
    public func fetch<Page: ListPage>(_ request: ListRequest, as: Page.Type, observer: APIObserver?) async throws(APIError) -> Page {
        let url = request.url
        return try await perform(method: "POST", url: url, body: request.body, observer: observer) { body throws(APIError) in
            try Page.decode(body, url: url)
        }
    }

    /// One logical request with the whole retry policy inside.
    func perform<T>(
        method: String, url: String, body: [UInt8]?, observer: APIObserver? = nil,
        decode: ([UInt8]) throws(APIError) -> T
    ) async throws(APIError) -> T {
        let clock = retry.clock
        let started = clock.now
        var attempt = 0
        var failures = 0
        var reauthorized = false
        while true {
            attempt += 1
            if Task.isCancelled { throw .cancelled }
            let permit: Pacer.Permit
            do { permit = try await pacer.acquire() } catch { throw .cancelled }
            var retryAfterHeader: String?
            var status = 0
            let error: APIError
            // The server counted the request by the time it answered (or the attempt failed):
            // the pacer measures its window from there.
            var reported = false
            do throws(APIError) {
                let authorization = try await authenticator.authorizationHeader()
                var headers = [HTTPHeader(name: "Authorization", value: authorization), HTTPHeader(name: "Accept", value: "application/json")]
                if body != nil { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
                let response: HTTPResponse
                do {
                    response = try await http.send(HTTPRequest(method: method, url: url, headers: headers, body: body))
                    await pacer.finished(permit)
                    reported = true
                } catch {
                    await pacer.finished(permit)
                    reported = true
                    if error.kind == .cancelled { throw APIError.cancelled }
                    observer?(.unanswered)
                    throw APIError.transport(error)
                }
                status = response.status
                observer?(.answered(status: status))
                retryAfterHeader = response.header("Retry-After")
                if (200..<300).contains(response.status) { return try decode(response.body) }
                throw Self.classify(response, url: url, nowUnixSeconds: retry.wallClock())
            } catch let caught {
                if !reported { await pacer.finished(permit) }   // never sent (no token)
                error = caught
            }

            if case .unauthorized = error, !reauthorized {
                reauthorized = true
                logger.warning("API rejected the credentials, refreshing them and retrying once", metadata: ["http.status": "401", "attempt": "\(attempt)", "url": "\(url)"])
                await authenticator.invalidate()
                continue
            }
            guard error.isRetryable else { throw error }

            let delay: Duration
            var throttled = false
            if case .throttled = error {
                throttled = true
                delay = retry.throttleDelay(retryAfter: retryAfterHeader)
            } else {
                failures += 1
                delay = retry.backoff.delay(attempt: failures, unit: retry.unit())
            }
            let resumeAt = clock.now + delay
            if let maxAttempts = retry.maxAttempts, attempt >= maxAttempts {
                logger.error("giving up on the API request", error: error, metadata: ["attempt": "\(attempt)"])
                throw error
            }
            if let maxElapsed = retry.maxElapsed, resumeAt - started > maxElapsed {
                logger.error("giving up on the API request", error: error, metadata: ["attempt": "\(attempt)"])
                throw error
            }
            var metadata: Logger.Metadata = [
                "attempt": "\(attempt)", "retry.delay_ms": "\(Int64(delay.seconds * 1000))",
            ]
            if status != 0 { metadata["http.status"] = "\(status)" }
            logger.warning(throttled ? "API throttled the request, waiting" : "API request failed, retrying", error: error, metadata: metadata)
            observer?(.retrying(error, delay: delay))
            if throttled {
                // The bucket is drained too: no request of this tenant leaves before resumeAt.
                await pacer.holdOff(until: resumeAt)
            } else {
                do { try await clock.sleep(until: resumeAt) } catch { throw .cancelled }
            }
        }
    }

    static func classify(_ response: HTTPResponse, url: String, nowUnixSeconds: Int64) -> APIError {
        switch response.status {
        case 400: return .badRequest(url: url, message: ResponseText.badRequestMessage(response.body))
        case 401: return .unauthorized(url: url)
        case 403: return .forbidden(url: url, detail: ResponseText.snippet(response.body, limit: 120))
        case 404: return .notFound(url: url)
        case 429: return .throttled(url: url, retryAfter: RetryAfter.parse(response.header("Retry-After"), nowUnixSeconds: nowUnixSeconds))
        case 300..<400 where response.status != 304: return .redirected(url: url, status: response.status, location: redirectOrigin(response))
        default: return .server(url: url, status: response.status, snippet: ResponseText.snippet(response.body))
        }
    }

    /// Where a 3xx the HTTP client did not follow points: its origin only (a Location may
    /// carry a token in its query).
    static func redirectOrigin(_ response: HTTPResponse) -> String {
        guard let location = response.header("Location"), !location.isEmpty else { return "no Location" }
        return URLOrigin(location).map(\.description) ?? "a Location that is not an absolute http(s) URL"
    }
}
