import FlyingFox
import Foundation

extension SimulatorCore {
    /// The Entra application scope of the Defender for Cloud Apps API (PRODUCT §2).
    static let entraScope = "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default"

    /// `Authorization: Token <token>` or `Bearer <issued Entra token>`; nil when accepted.
    func authenticate(_ request: HTTPRequest) -> HTTPResponse? {
        guard let header = request.headers[.authorization]?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            return Responses.detail(401, "Authentication credentials were not provided.")
        }
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return Responses.detail(401, "Invalid token header.") }
        let scheme = parts[0].lowercased(), credential = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "token":
            if let token = options.token, credential == token { return nil }
            return Responses.detail(401, "Invalid token")
        case "bearer":
            let expiry = state.withLock { $0.entraTokens[credential] }
            guard let expiry else { return Responses.detail(401, "Invalid token") }
            if monotonicNow >= expiry { return Responses.detail(401, "Invalid token: the access token has expired") }
            return nil
        default:
            return Responses.detail(401, "Invalid token header.")
        }
    }

    /// `POST /{tenant}/oauth2/v2.0/token`, client credentials grant, with Entra's error shapes.
    func tokenEndpoint(body: Data) -> HTTPResponse {
        let form = Self.parseForm(String(decoding: body, as: UTF8.self))
        func oauthError(_ status: Int, _ error: String, _ description: String) -> HTTPResponse {
            Responses.json(status, object: ["error": error, "error_description": description, "error_codes": [Int]()])
        }
        guard form["grant_type"] == "client_credentials" else {
            return oauthError(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type; use client_credentials.")
        }
        guard let clientID = options.clientID, let secret = options.clientSecret else {
            return oauthError(400, "unauthorized_client",
                              "AADSTS700016: Entra authentication is not enabled on this simulator (start it with --client-id and --client-secret).")
        }
        guard form["client_id"] == clientID else {
            return oauthError(400, "unauthorized_client", "AADSTS700016: Application with identifier was not found in the directory.")
        }
        guard form["client_secret"] == secret else {
            return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        }
        guard form["scope"] == Self.entraScope else {
            return oauthError(400, "invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid; expected \(Self.entraScope).")
        }
        let lifetime = options.entraTokenLifetime.components.seconds
        let token: String = state.withLock { s in
            var rng = SplitMix64(seed: options.seed, stream: ActivityGenerator.Stream.tokens.rawValue, index: UInt64(s.entraIssued))
            s.entraIssued += 1
            let token = "sim-entra-" + rng.hex(24)
            s.entraTokens[token] = monotonicNow + Double(lifetime)
            return token
        }
        return Responses.json(200, object: [
            "token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token,
        ])
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, then percent-decoding.
    static func parseForm(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = kv.first { out[key] = kv.count > 1 ? kv[1] : "" }
        }
        return out
    }
}
