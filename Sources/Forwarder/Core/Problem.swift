import Foundation

/// What a stream is stuck on right now, and since when (PRODUCT §3, §7: STATUS, `status`).
public struct Problem: Sendable, Equatable {
    /// Which part of the path the problem is in: it is cleared only by that part recovering
    /// (an answer from the API does not clear an output that is still down).
    public enum Source: Sendable, Equatable {
        case api
        case output(String)
        /// Anything that ended a pass (a configuration the service refused, the state file).
        case pass
    }

    public var source: Source
    /// One line naming the cause, never a secret.
    public var text: String
    public var since: Date

    public init(source: Source, text: String, since: Date) {
        self.source = source
        self.text = text
        self.since = since
    }
}
