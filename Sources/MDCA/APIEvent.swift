/// What happened to one API request, as it happens: the forwarding core turns these into its
/// counters, its current problem and the deadline of its step (PRODUCT §3, §7, §10).
///
/// Why events and not return values: the retry loop lives inside `ScanClient` (one logical
/// request, many attempts), and a wait there can last minutes (`Retry-After`, the 5 min
/// backoff cap). The core must know about each wait *before* it starts, or its watchdog would
/// take a healthy wait for a wedge.
public enum APIEvent: Sendable {
    /// The service answered with this HTTP status (every attempt, 2xx included).
    case answered(status: Int)
    /// The request got no answer (timeout, refused, TLS, DNS).
    case unanswered
    /// The request failed and will be sent again after `delay`.
    case retrying(APIError, delay: Duration)
}

/// Receives a request's events; called on the requesting task, must not block.
public typealias APIObserver = @Sendable (APIEvent) -> Void
