import Curl
@testable import MDCA
import POSIX
import Testing

private func response(_ status: Int, _ body: String, headers: [HTTPHeader] = []) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
}

private let url = "https://contoso.eu2.portal.cloudappsecurity.com/api/v1/activities/"

@Test func unauthorizedAndForbiddenNameTheCause() {
    let e401 = ScanClient.classify(response(401, "{\"detail\":\"Invalid token\"}"), url: url, nowUnixSeconds: 0)
    #expect(e401.description.contains("HTTP 401"))
    #expect(e401.description.contains("check the token / the Entra app's client id and secret"))
    #expect(e401.description.contains(url))
    #expect(!e401.isRetryable && e401.isCredentialError)

    let e403 = ScanClient.classify(response(403, "Insufficient role based permission"), url: url, nowUnixSeconds: 0)
    #expect(e403.description.contains("Investigation.Read"))
    #expect(e403.description.contains("Insufficient role based permission"))
    #expect(!e403.isRetryable && e403.isCredentialError)
}

@Test func aBadRequestCarriesTheServiceMessage() {
    let body = #"{"error": true, "filters": [{"error": "Invalid value for filter", "errorMessageCode": "INVALID_FILTER_VALUE"}]}"#
    let error = ScanClient.classify(response(400, body), url: url, nowUnixSeconds: 0)
    guard case .badRequest(_, let message) = error else {
        Issue.record("expected badRequest, got \(error)")
        return
    }
    #expect(message == "Invalid value for filter (INVALID_FILTER_VALUE)")
    #expect(!error.isRetryable)
    let plain = ScanClient.classify(response(400, "<p>Bad filter</p>"), url: url, nowUnixSeconds: 0)
    #expect(plain.description.contains(": Bad filter;"))
}

@Test func anHTMLErrorPageBecomesAShortTagFreeSnippet() {
    let filler = String(repeating: "<div class=\"x\">lorem ipsum dolor sit amet</div>\n", count: 200)
    let html = """
        <!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body { color: red }</style>
        <script>var secret = 1;</script></head><body><h1>Bad&nbsp;Gateway</h1>\(filler)</body></html>
        """
    let error = ScanClient.classify(response(502, html), url: url, nowUnixSeconds: 0)
    guard case .server(_, let status, let snippet) = error else {
        Issue.record("expected server, got \(error)")
        return
    }
    #expect(status == 502)
    #expect(snippet.hasPrefix("502 Bad Gateway Bad Gateway lorem ipsum"))
    #expect(snippet.count <= 201)
    #expect(!snippet.contains("<") && !snippet.contains(">") && !snippet.contains("color") && !snippet.contains("var secret"))
    #expect(!error.description.contains("\n"))
    #expect(error.isRetryable)
}

@Test func throttlingCarriesRetryAfterAndIsRetryable() {
    let error = ScanClient.classify(response(429, "", headers: [HTTPHeader(name: "retry-after", value: "12")]), url: url, nowUnixSeconds: 0)
    guard case .throttled(_, let retryAfter) = error else {
        Issue.record("expected throttled, got \(error)")
        return
    }
    #expect(retryAfter == .seconds(12))
    #expect(error.isRetryable)
    #expect(error.description.contains("requests_per_minute"))
}

@Test func tokenEndpointErrorsAreCredentialErrorsUnlessTheServiceFails() {
    let refused = APIError.tokenEndpoint(url: "https://login.example/t/oauth2/v2.0/token", status: 401, error: "invalid_client", detail: "AADSTS7000215: Invalid client secret provided.")
    #expect(refused.isCredentialError && !refused.isRetryable)
    #expect(refused.description.contains("invalid_client: AADSTS7000215"))
    let failing = APIError.tokenEndpoint(url: "https://login.example/t/oauth2/v2.0/token", status: 503, error: "", detail: "")
    #expect(failing.isRetryable && !failing.isCredentialError)
}

/// Issue 18 item 4: rejected credentials and configuration problems are permanent (`once`
/// stops at once: 77, 78); throttling, 5xx and a network that fails are transient.
@Test func failureKindsOfAPIErrors() {
    #expect(ScanClient.classify(response(401, ""), url: url, nowUnixSeconds: 0).failureKind == .credentials)
    #expect(ScanClient.classify(response(403, ""), url: url, nowUnixSeconds: 0).failureKind == .credentials)
    #expect(ScanClient.classify(response(400, "{}"), url: url, nowUnixSeconds: 0).failureKind == .configuration)
    #expect(ScanClient.classify(response(404, ""), url: url, nowUnixSeconds: 0).failureKind == .configuration)
    #expect(ScanClient.classify(response(429, ""), url: url, nowUnixSeconds: 0).failureKind == .transient)
    #expect(ScanClient.classify(response(503, ""), url: url, nowUnixSeconds: 0).failureKind == .transient)
    #expect(APIError.tokenEndpoint(url: url, status: 401, error: "invalid_client", detail: "").failureKind == .credentials)
    #expect(APIError.tokenEndpoint(url: url, status: 503, error: "", detail: "").failureKind == .transient)

    let untrusted = APIError.transport(CurlError(kind: .tls, code: 60, message: "SSL certificate problem: self-signed certificate", url: url))
    #expect(untrusted.failureKind == .configuration)
    #expect(!untrusted.isRetryable, "a certificate that fails verification is not sent again")
    let refused = APIError.transport(CurlError(kind: .connect, code: 7, message: "Connection refused", url: url))
    #expect(refused.failureKind == .transient && refused.isRetryable)
}
