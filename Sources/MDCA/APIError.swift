import ActivityJSON
import Curl
import POSIX

/// Why a call to the Activities API (or the Entra token endpoint) failed. Each description is
/// one journal line naming the URL (never a secret) and what to do.
///
/// Exit codes (PRODUCT §5) follow from `failureKind`: credentials → 77, configuration → 78
/// (the filters, the tenant URL, a certificate that fails verification), `.cancelled` →
/// shutdown, anything else after the retry policy gave up → 69.
public enum APIError: Error, Sendable, CustomStringConvertible {
    /// HTTP 400: the service refused the request, usually the configured filters.
    case badRequest(url: String, message: String)
    /// HTTP 401: bad token, or bad Entra client id/secret.
    case unauthorized(url: String)
    /// HTTP 403: the credentials lack `Investigation.Read`.
    case forbidden(url: String, detail: String)
    /// HTTP 404 (e.g. `GET /api/v1/activities/{id}/` of an unknown id, or a wrong tenant URL).
    case notFound(url: String)
    /// HTTP 429 and the retry budget is spent.
    case throttled(url: String, retryAfter: Duration?)
    /// Another status (5xx, unexpected 4xx), with a short tag-free snippet of the body.
    case server(url: String, status: Int, snippet: String)
    /// The request never got a response: timeout, DNS, TLS, connection refused, cancelled.
    case transport(CurlError)
    /// A 200 whose body is not a usable page (truncated, malformed).
    case invalidPage(url: String, ActivityJSONError)
    /// The service sent a `nextQueryFilters` already followed in this scan, with no new record since.
    case stalled(url: String, filters: String)
    /// The Entra token endpoint refused or failed (`status` 0: unusable 200 reply).
    case tokenEndpoint(url: String, status: Int, error: String, detail: String)
    /// A 3xx pointing to another origin (scheme, host or port), never followed (PRODUCT §3
    /// "Redirects"). `location` is that origin only, or "an unusable Location" when absent.
    case redirected(url: String, status: Int, location: String)
    /// The task was cancelled while waiting (shutdown).
    case cancelled

    /// One line, scrubbed of every known secret (a quoted body or a curl message may hold one).
    public var description: String {
        SecretScrubber.shared.scrub(unscrubbedDescription)
    }

    private var unscrubbedDescription: String {
        switch self {
        case .badRequest(let url, let message):
            let filters = url.contains("/api/v1/alerts/") ? "alerts.filters" : "activities.filters"
            return "the API refused the request (HTTP 400) at \(url): \(message); check \(filters) in the configuration"
        case .unauthorized(let url):
            return "the API rejected the credentials (HTTP 401) at \(url): check the token / the Entra app's client id and secret"
        case .forbidden(let url, let detail):
            let suffix = detail.isEmpty ? "" : " (\(detail))"
            return "HTTP 403 at \(url): the token or app lacks the Investigation.Read permission / role\(suffix); grant it in Defender for Cloud Apps or Entra ID"
        case .notFound(let url):
            return "HTTP 404 at \(url): check tenant.url (the portal URL, e.g. https://contoso.eu2.portal.cloudappsecurity.com) or the activity id"
        case .throttled(let url, let retryAfter):
            let wait = retryAfter.map { ", Retry-After \(Int($0.seconds)) s" } ?? ""
            return "the API kept throttling requests (HTTP 429\(wait)) at \(url): lower tenant.requests_per_minute or stop other clients of this tenant"
        case .server(let url, let status, let snippet):
            let body = snippet.isEmpty ? "" : ": \(snippet)"
            return "the API answered HTTP \(status) at \(url)\(body); the service is failing, retry later"
        case .transport(let error) where error.kind == .tooLarge:
            return "the API's answer at \(error.url) was refused: \(error.message); a page of 5,000 activities is about 25 MB, so this is a faulty or hostile answer (or lower activities.page_size if the records are unusually large)"
        case .transport(let error) where error.failureKind.isPermanent:
            return "the API's TLS connection was refused at \(error.url): \(error.message) (curl code \(error.code)); not retried: check tenant.url and tenant.ca_file (the CA that signed the API's or the TLS-inspecting proxy's certificate)"
        case .transport(let error):
            return "cannot reach the API: \(error); check the network, proxy and tenant.url"
        case .invalidPage(let url, let error):
            return "the API sent an unusable response at \(url): \(error); retry later"
        case .stalled(let url, let filters):
            return "the scan is stuck at \(url): the service returned a nextQueryFilters already seen in this scan with no new record since (\(filters)), so following it would loop for ever; this is a service fault, report it with this line"
        case .tokenEndpoint(let url, let status, let error, let detail):
            let what = [error, detail].filter { !$0.isEmpty }.joined(separator: ": ")
            let statusText = status == 0 ? "an unusable reply" : "HTTP \(status)"
            return "the Entra token endpoint \(url) answered \(statusText)\(what.isEmpty ? "" : " (\(what))"); check tenant.auth.entra tenant_id, client_id and the client secret"
        case .redirected(let url, let status, let location):
            return "HTTP \(status) at \(url) redirects to \(location), another origin: such a redirect is never followed and its answer never accepted; check tenant.url (or the Entra authority) and any proxy or gateway in between"
        case .cancelled:
            return "the API request was cancelled"
        }
    }

    /// Whether waiting and sending the same request again can succeed.
    public var isRetryable: Bool {
        switch self {
        case .throttled, .server, .invalidPage: return true
        case .transport(let error):
            switch error.kind {
            case .cancelled, .setup: return false
            // A certificate that fails verification does not pass on the next attempt.
            default: return !error.failureKind.isPermanent
            }
        case .tokenEndpoint(_, let status, _, _): return status == 0 || status == 429 || status >= 500
        case .badRequest, .unauthorized, .forbidden, .notFound, .stalled, .redirected, .cancelled: return false
        }
    }

    /// Whether the credentials were refused (exit 77).
    public var isCredentialError: Bool {
        switch self {
        case .unauthorized, .forbidden: return true
        case .tokenEndpoint(_, let status, _, _): return status >= 400 && status < 500 && status != 429
        default: return false
        }
    }
}

extension APIError: ClassifiedError {
    /// 401/403 and a token endpoint's 4xx (not 429) reject the credentials; a 400 (the
    /// configured filters) and a 404 (a wrong tenant URL) are configuration; a transport
    /// failure is what curl says it is (certificate verification, a missing CA:
    /// configuration); the rest — 429, 5xx, an unusable page, a stall, a redirect to another
    /// origin (as often a gateway or proxy in between as the tenant URL) — is transient.
    public var failureKind: FailureKind {
        if isCredentialError { return .credentials }
        switch self {
        case .badRequest, .notFound: return .configuration
        case .transport(let error): return error.failureKind
        case .unauthorized, .forbidden, .tokenEndpoint, .throttled, .server, .invalidPage, .stalled, .redirected, .cancelled:
            return .transient
        }
    }
}
