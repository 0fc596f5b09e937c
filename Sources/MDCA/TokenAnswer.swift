import Foundation

/// The token endpoint's JSON reply (OAuth 2.0 client credentials: RFC 6749 §5.1 on success,
/// §5.2 on error), read leniently: a member that is missing or of another type reads as absent.
/// Outside input: the fuzz target `token-answer` (Fuzz/) feeds it anything.
struct TokenAnswer: Equatable {
    /// `access_token` when it is a non-empty string.
    var accessToken: String?
    /// `expires_in` in seconds: a number, or a numeric string (as Entra's v1 endpoint sent it).
    var expiresIn: Double?
    /// `error` and `error_description` (RFC 6749 §5.2).
    var error: String?
    var errorDescription: String?

    /// The lifetime assumed when `expires_in` is absent: Entra's usual hour, less a second.
    static let defaultLifetimeSeconds: Double = 3599

    init(body: [UInt8]) {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if let token = object?["access_token"] as? String, !token.isEmpty { accessToken = token }
        switch object?["expires_in"] {
        case let number as NSNumber: expiresIn = number.doubleValue
        case let text as String: expiresIn = Double(text)
        default: expiresIn = nil
        }
        error = object?["error"] as? String
        errorDescription = object?["error_description"] as? String
    }

    /// The longest lifetime believed. Entra issues tokens for 60 to 90 minutes; a day bounds a
    /// bogus value, which would otherwise keep a token cached for ever or, not being finite
    /// (`"expires_in":"1e999"`, found by the `token-answer` fuzz target), trap in `Duration`.
    static let maximumLifetimeSeconds: Double = 86_400

    /// How long the token is valid: `expires_in` within 1 s...1 day, else the default.
    var lifetime: Duration {
        guard let seconds = expiresIn, seconds.isFinite else { return .seconds(Self.defaultLifetimeSeconds) }
        return .seconds(min(max(1, seconds), Self.maximumLifetimeSeconds))
    }
}
