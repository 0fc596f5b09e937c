import Logging
import Synchronization

/// The one place that knows every secret value this process holds (API token, Entra client
/// secret, the Entra access tokens as they rotate, the proxy password) and removes them from
/// any text before it can reach a log line, STATUS, the state file or stderr (PRODUCT §3, §6).
///
/// Secrets normally never enter such text; this catches the ones that arrive from outside,
/// e.g. a gateway whose 403 or 500 page echoes the request's `Authorization: Token …`.
public final class SecretScrubber: Sendable {
    /// The process's scrubber: secrets are registered where they are loaded.
    public static let shared = SecretScrubber()

    public static let replacement = "<redacted>"
    /// Kept bounded: rotating access tokens would otherwise accumulate for the daemon's life.
    static let maxValues = 64
    private let values = Mutex<[String]>([])

    public init() {}

    /// Remembers `secret` (and its form- and percent-encoded spellings, as an echoed request
    /// body would show them). Empty values are ignored.
    public func register(_ secret: String) {
        guard !secret.isEmpty else { return }
        let spellings = Set([secret, FormEncoding.encode(secret), FormEncoding.percentEncodePathSegment(secret)])
        values.withLock { list in
            for spelling in spellings where !list.contains(spelling) { list.append(spelling) }
            if list.count > Self.maxValues { list.removeFirst(list.count - Self.maxValues) }
            // Longest first, so that a secret containing another is removed whole.
            list.sort { $0.count > $1.count }
        }
    }

    /// `text` with every known secret replaced by `<redacted>`.
    public func scrub(_ text: String) -> String {
        let known = values.withLock { $0 }
        var out = text
        for secret in known where out.contains(secret) {
            out = out.replacing(secret, with: Self.replacement)
        }
        return out
    }
}

/// The last line of defence on the log path: every message and metadata value goes through
/// `SecretScrubber` before the wrapped handler (journald or stderr) sees it.
public struct SecretScrubbingLogHandler: LogHandler {
    private var inner: any LogHandler
    private let scrubber: SecretScrubber

    public init(_ inner: any LogHandler, scrubber: SecretScrubber = .shared) {
        self.inner = inner
        self.scrubber = scrubber
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(scrubber.scrub(event.message.description))"
        event.metadata = event.metadata.map { $0.mapValues(scrub) }
        if let error = event.error { event.error = ScrubbedError(description: scrubber.scrub("\(error)")) }
        inner.log(event: event)
    }

    private func scrub(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return .string(scrubber.scrub(text))
        case .stringConvertible(let convertible): return .string(scrubber.scrub(convertible.description))
        case .array(let items): return .array(items.map(scrub))
        case .dictionary(let entries): return .dictionary(entries.mapValues(scrub))
        }
    }
}

/// An error as text, once scrubbed.
private struct ScrubbedError: Error, CustomStringConvertible {
    var description: String
}
