/// Produces the `Authorization` header of every API request (PRODUCT §2 "Auth").
public protocol Authenticator: Sendable {
    /// The header value, e.g. `Token …` or `Bearer …`. Never log it.
    func authorizationHeader() async throws(APIError) -> String
    /// Called after a 401: the next `authorizationHeader()` fetches fresh credentials if it can.
    func invalidate() async
}

/// The legacy API token: `Authorization: Token <token>` (on Microsoft's deprecation path).
public struct TokenAuthenticator: Authenticator {
    private let token: Secret

    public init(token: Secret) {
        self.token = token
        SecretScrubber.shared.register(token.reveal())
    }

    public func authorizationHeader() async throws(APIError) -> String { "Token \(token.reveal())" }

    /// A static token cannot be refreshed: the retry after a 401 uses the same token.
    public func invalidate() async {}
}
