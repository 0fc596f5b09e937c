/// Whether a failure can fix itself (PRODUCT §7 "Permanent errors"), decided once at the edge
/// that saw it (the HTTP layer, an output, a secret file) and read by whoever decides what to
/// do next: `once` and `test` give up at once on a permanent failure, `run` retries it on a
/// slow schedule and names it in STATUS as a configuration problem.
///
/// It lives in POSIX because that is the one module every edge already imports (Curl, MDCA,
/// Outputs, Checkpoint, Forwarder); it holds no POSIX logic.
public enum FailureKind: Sendable, Equatable, CustomStringConvertible {
    /// Waiting and trying again can succeed: refused, timeout, reset, 5xx, 429, a broker
    /// restarting.
    case transient
    /// Only an operator can fix it: a certificate that fails verification, a host-name
    /// mismatch, a missing or unreadable CA or client certificate, an empty or unreadable
    /// secret, a setting the other side refuses (exit 78).
    case configuration
    /// The other side rejected the credentials: HTTP 401/403, a refused Entra client secret, a
    /// failed Kafka SASL authentication (exit 77).
    case credentials

    public var isPermanent: Bool { self != .transient }

    public var description: String {
        switch self {
        case .transient: "transient"
        case .configuration: "configuration problem"
        case .credentials: "credentials rejected"
        }
    }
}

/// An error that knows whether retrying can help.
public protocol ClassifiedError: Error {
    var failureKind: FailureKind { get }
}
