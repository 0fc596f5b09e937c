#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX

/// Why a secret could not be read. Names the file or variable, never the secret.
public struct SecretSourceError: ClassifiedError, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    /// Unset, empty, unreadable or malformed: only an operator can fix it.
    public var failureKind: FailureKind { .configuration }
}

/// Where a token or client secret comes from (PRODUCT §6): a file (a systemd credential) or an
/// environment variable.
public enum SecretSource: Sendable, Equatable {
    case file(String)
    case environment(String)

    /// Reads the secret. A file must not be group- or world-readable; one trailing newline
    /// (as `echo` writes) is removed; an empty secret is refused.
    /// The value is registered with `SecretScrubber.shared`, so that it is scrubbed from any
    /// text that could reach a log, wherever that text came from.
    public func load(environment: [String: String]? = nil) throws(SecretSourceError) -> Secret {
        let secret = try value(environment: environment)
        SecretScrubber.shared.register(secret.reveal())
        return secret
    }

    private func value(environment: [String: String]?) throws(SecretSourceError) -> Secret {
        switch self {
        case .file(let path):
            return try Self.readFile(path)
        case .environment(let name):
            let value: String?
            if let environment {
                value = environment[name]
            } else {
                value = getenv(name).map { String(cString: $0) }
            }
            guard let value, !value.isEmpty else {
                throw SecretSourceError(description: "the environment variable \(name) is unset or empty; it must hold the secret")
            }
            if let problem = Self.problem(value) {
                throw SecretSourceError(description: "the environment variable \(name) \(problem)")
            }
            return Secret(value)
        }
    }

    private static func readFile(_ path: String) throws(SecretSourceError) -> Secret {
        let text: String
        do {
            text = try SecretFile.load(path)
        } catch {
            throw SecretSourceError(description: error.description)
        }
        if let problem = Self.problem(text) {
            throw SecretSourceError(description: "secret file \(path) \(problem)")
        }
        return Secret(text)
    }

    /// Why `value` cannot be a token or client secret, or nil. Secrets go into an HTTP header
    /// or a form field, where white space and control characters either break the request
    /// (a header with a line break is refused before sending) or silently change the secret;
    /// a file is allowed one trailing newline, removed before this check. The message never
    /// quotes the value.
    public static func problem(_ value: String) -> String? {
        let scalars = value.unicodeScalars
        if scalars.isEmpty { return "is empty; it must hold the secret" }
        if scalars.allSatisfy(\.properties.isWhitespace) {
            return "holds only white space; it must hold the secret"
        }
        if let index = scalars.firstIndex(where: { $0 == "\n" || $0 == "\r" }) {
            let position = scalars.distance(from: scalars.startIndex, to: index) + 1
            return "contains a line break at character \(position); it must hold the secret on one line (only one trailing newline is ignored)"
        }
        if let index = scalars.firstIndex(where: { $0.properties.generalCategory == .control || $0.properties.isWhitespace }) {
            let position = scalars.distance(from: scalars.startIndex, to: index) + 1
            let what = scalars[index].properties.isWhitespace ? "white space" : "a control character"
            return "contains \(what) at character \(position); it must hold only the secret, without spaces or control characters"
        }
        return nil
    }
}
