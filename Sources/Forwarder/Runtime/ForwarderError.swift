import Checkpoint
import MDCA
import POSIX

/// Everything that stops a command, with the exit code PRODUCT §5 documents for it.
public enum ForwarderError: Error, Sendable, CustomStringConvertible {
    case config(ConfigError)
    case api(APIError)
    case state(StateFileError)
    /// An output failed: after retries (transient, exit 69) or at once when `failureKind`
    /// says retrying cannot help (`once`, `test`: exit 78 or 77).
    case outputUnavailable(output: String, underlying: String, failureKind: FailureKind = .transient)
    case usage(String)
    /// A listener (metrics) could not bind its configured address.
    case listen(String)
    /// A secret (token, client secret) could not be read: missing, empty, or too readable.
    case secret(String)
    /// The checkpoint store's fence failed or the send permit was refused (HA): another
    /// instance leads. Nothing was sent past the last committed checkpoint; not fatal in `run`.
    case leadershipLost(String)
    /// A reload replaced the outputs while a batch waited for them: the batch stays behind
    /// the cursor and the next pass sends it through the new outputs (`run` only).
    case superseded
    /// Stopped by a signal while waiting for an output; the checkpoint holds what was delivered.
    case interrupted
    case other(String)

    /// The documented exit code: 64 usage, 78 configuration, 77 credentials, 69 unreachable,
    /// 74 state file I/O, 1 anything else.
    public var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .config, .secret: 78
        case .api(let error): Self.exitCode(error.failureKind)
        case .state: 74
        case .outputUnavailable(_, _, let kind): Self.exitCode(kind)
        case .listen, .leadershipLost: 69
        case .interrupted, .superseded: 0
        case .other: 1
        }
    }

    private static func exitCode(_ kind: FailureKind) -> Int32 {
        switch kind {
        case .configuration: 78
        case .credentials: 77
        case .transient: 69
        }
    }

    /// Whether retrying can help: what `once` and `test` stop on at once, what `run` retries
    /// only slowly (PRODUCT §7 "Permanent errors").
    public var failureKind: FailureKind {
        switch self {
        case .config, .secret, .usage: .configuration
        case .api(let error): error.failureKind
        case .outputUnavailable(_, _, let kind): kind
        case .state, .listen, .interrupted, .superseded, .leadershipLost, .other: .transient
        }
    }

    public var description: String {
        switch self {
        case .config(let e): "\(e)"
        case .api(let e): "\(e)"
        case .state(let e): "\(e)"
        case .outputUnavailable(let output, let underlying, .transient):
            "output '\(output)' is unreachable after retries: \(underlying)"
        case .outputUnavailable(_, let underlying, .credentials):
            "\(underlying); not retried: the receiver rejected the credentials (check the output's username and password_file)"
        case .outputUnavailable(_, let underlying, .configuration):
            "\(underlying); not retried: a configuration problem (check the output's url and its tls ca_file, server_name, cert_file and key_file)"
        case .usage(let m): m
        case .listen(let m): m
        case .secret(let m): m
        case .leadershipLost(let reason): "leadership lost: \(reason)"
        case .interrupted: "interrupted"
        case .superseded: "superseded by a new configuration"
        case .other(let m): m
        }
    }
}

extension ForwarderError {
    /// The checkpoint store's failure as a command error: I/O (exit 74) or a lost fence.
    init(_ error: CheckpointError) {
        switch error {
        case .io(let io): self = .state(io)
        case .leadershipLost(let reason): self = .leadershipLost(reason)
        }
    }
}

extension APIError {
    var isBadRequest: Bool {
        if case .badRequest = self { return true }
        return false
    }
}
