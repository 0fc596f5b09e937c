/// Why an etcd request failed. Never carries a password or auth token.
public struct EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No member answered usefully (down, no quorum, no leader, timed out): worth retrying.
        case unavailable
        /// A member answered with something that is not etcd's gateway JSON.
        case malformed
        /// The cluster refused the request (auth, permission, invalid argument): retrying the
        /// same request will not help.
        case refused
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
