import Curl
import Foundation
import Logging

/// Microsoft Entra ID client-credentials flow (PRODUCT §2): fetches an access token from
/// `{authority}/{tenantId}/oauth2/v2.0/token`, caches it and refreshes it ahead of expiry.
public actor EntraAuthenticator: Authenticator {
    /// The Defender for Cloud Apps application id: the scope of every token.
    public static let scope = "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default"
    public static let defaultAuthority = "https://login.microsoftonline.com"

    /// The token endpoint (contains no secret).
    public nonisolated let tokenURL: String
    private let clientID: String
    private let clientSecret: Secret
    private let http: HTTPClient
    private let clock: any PacingClock
    private let logger: Logger

    private struct CachedToken: Sendable {
        var header: String
        var refreshAt: Duration
    }
    private var cached: CachedToken?
    private var inFlight: Task<Result<CachedToken, APIError>, Never>?

    public init(
        tenantID: String, clientID: String, clientSecret: Secret, authority: String = EntraAuthenticator.defaultAuthority,
        http: HTTPClient, clock: any PacingClock = SystemPacingClock(), logger: Logger
    ) {
        var base = authority
        while base.hasSuffix("/") { base.removeLast() }
        self.tokenURL = "\(base)/\(FormEncoding.percentEncodePathSegment(tenantID))/oauth2/v2.0/token"
        self.clientID = clientID
        self.clientSecret = clientSecret
        SecretScrubber.shared.register(clientSecret.reveal())
        self.http = http
        self.clock = clock
        self.logger = logger
    }

    public func authorizationHeader() async throws(APIError) -> String {
        if let cached, clock.now < cached.refreshAt { return cached.header }
        let task: Task<Result<CachedToken, APIError>, Never>
        if let inFlight {
            task = inFlight   // concurrent callers share one token request
        } else {
            task = Task { await self.fetchToken() }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let token):
            cached = token
            return token.header
        case .failure(let error):
            throw error
        }
    }

    public func invalidate() async {
        cached = nil
    }

    /// The form body of the token request (application/x-www-form-urlencoded).
    public static func formBody(clientID: String, clientSecret: Secret) -> [UInt8] {
        let fields = [
            ("grant_type", "client_credentials"),
            ("client_id", clientID),
            ("client_secret", clientSecret.reveal()),
            ("scope", scope),
        ]
        return Array(fields.map { "\(FormEncoding.encode($0.0))=\(FormEncoding.encode($0.1))" }.joined(separator: "&").utf8)
    }

    /// When to refresh a token valid for `lifetime`: once less than min(5 min, 10 % of the
    /// lifetime) remains, so a request never carries a token that expires in flight.
    public static func refreshMargin(lifetime: Duration) -> Duration {
        min(.seconds(300), lifetime / 10)
    }

    private func fetchToken() async -> Result<CachedToken, APIError> {
        let started = clock.now
        let request = HTTPRequest(
            method: "POST", url: tokenURL,
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                HTTPHeader(name: "Accept", value: "application/json"),
            ],
            body: Self.formBody(clientID: clientID, clientSecret: clientSecret))
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            return .failure(.transport(error))
        }
        if (300..<400).contains(response.status) && response.status != 304 {
            return .failure(.redirected(url: tokenURL, status: response.status, location: ScanClient.redirectOrigin(response)))
        }
        let answer = TokenAnswer(body: response.body)
        guard response.status == 200 else {
            let error = scrub(answer.error ?? "")
            var detail = scrub(answer.errorDescription ?? ResponseText.snippet(response.body))
            // AADSTS descriptions carry a multi-line trace; the first line says it all.
            if let firstLine = detail.split(whereSeparator: \.isNewline).first { detail = String(firstLine) }
            return .failure(.tokenEndpoint(url: tokenURL, status: response.status, error: error, detail: detail))
        }
        guard let token = answer.accessToken else {
            return .failure(.tokenEndpoint(url: tokenURL, status: 0, error: "", detail: "the reply has no access_token"))
        }
        let lifetime = answer.lifetime
        // The access token is a secret too: from now on it is scrubbed from any text.
        SecretScrubber.shared.register(token)
        logger.debug("entra token fetched", metadata: ["token.lifetime_s": "\(lifetime.components.seconds)"])
        return .success(CachedToken(header: "Bearer \(token)", refreshAt: started + lifetime - Self.refreshMargin(lifetime: lifetime)))
    }

    /// The token endpoint should never echo the secret; make sure of it.
    private func scrub(_ text: String) -> String {
        SecretScrubber.shared.scrub(text)
    }
}

/// `application/x-www-form-urlencoded` (WHATWG URL §5.2) and path-segment percent-encoding.
enum FormEncoding {
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Unreserved bytes as they are, space as `+`, everything else `%XX` of its UTF-8 bytes.
    static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(byte)
            } else if byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 path segment: unreserved bytes as they are, everything else `%XX`.
    static func percentEncodePathSegment(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(byte)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
