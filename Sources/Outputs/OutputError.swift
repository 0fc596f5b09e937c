import POSIX

/// Why an output could not accept messages. The pipeline logs it and retries the batch
/// (slowly, when `failureKind` says it is permanent; `once` and `test` give up at once).
public struct OutputError: ClassifiedError, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The output's URL or settings are unusable (configuration error, not retried).
        case invalidConfiguration
        /// The host name did not resolve.
        case resolve
        /// No connection could be made (refused, unreachable, connect timeout).
        case connect
        /// Writing failed or the receiver stopped reading (write timeout).
        case write
        /// The receiver closed the connection.
        case closed
        /// TLS handshake or certificate verification failed.
        case tls
        /// Opening or writing the file failed.
        case file
        /// The receiver answered a message with an error (RELP `rsp 500`).
        case refused
        /// The receiver broke the protocol (RELP: a malformed frame, a response out of order).
        case protocolViolation
        /// The receiver acknowledged nothing for the configured timeout (RELP).
        case timeout
    }

    public var kind: Kind
    /// The configured output's name.
    public var output: String
    /// The output's URL (outputs never put credentials in URLs).
    public var url: String
    /// What failed, e.g. `connect to 127.0.0.1:514`.
    public var operation: String
    /// The system's or library's explanation, e.g. `Connection refused (errno 111)`.
    public var reason: String
    /// Whether resending can succeed; decided where the failure was seen (the TLS layer knows
    /// a verification failure from a reset, the Kafka client a refused password from a
    /// broker restarting). An unusable configuration is always permanent.
    public var failureKind: FailureKind

    public init(kind: Kind, output: String, url: String, operation: String, reason: String,
                failureKind: FailureKind = .transient) {
        self.kind = kind
        self.output = output
        self.url = url
        self.operation = operation
        self.reason = reason
        self.failureKind = kind == .invalidConfiguration ? .configuration : failureKind
    }

    public var description: String {
        "output '\(output)' (\(url)): \(operation) failed: \(reason)"
    }
}
