import Foundation
import Testing
import Simulator

@Suite struct AuthAndErrorTests {
    @Test func legacyTokenIsRequired() async throws {
        let server = try await startSimulator()
        defer { Task { await server.stop() } }
        let missing = try await TestHTTP.send("POST", server.baseURL + "/api/v1/activities/", body: Data("{}".utf8))
        #expect(missing.status == 401)
        #expect(missing.json?["detail"] != nil)
        let wrong = try await TestHTTP.scan(server, auth: "Token nope")
        #expect(wrong.status == 401)
        #expect(wrong.json?["detail"] as? String == "Invalid token")
        let ok = try await TestHTTP.scan(server)
        #expect(ok.status == 200)
    }

    @Test func forcedFailuresAnswerLikeTheService() async throws {
        let server = try await startSimulator()
        defer { Task { await server.stop() } }
        server.setFailure(.status(403))
        let denied = try await TestHTTP.scan(server)
        #expect(denied.status == 403)
        #expect(denied.json?["detail"] as? String == "Insufficient role based permission")
        server.setFailure(.status(502))
        let gateway = try await TestHTTP.scan(server)
        #expect(gateway.status == 502 && gateway.json == nil)
        #expect(String(decoding: gateway.body, as: UTF8.self).contains("<html>"))
        server.setFailure(nil)
        #expect(try await TestHTTP.scan(server).status == 200)
    }

    @Test(arguments: [
        (#"{"nosuchfield":{"eq":[1]}}"#, "FILTER_UNKNOWN_FIELD"),
        (#"{"activity.id":{"neq":["x"]}}"#, "FILTER_INVALID_OPERATOR"),
        (#"{"date":{"gt":1}}"#, "FILTER_INVALID_OPERATOR"),
        (#"{"created":{"gte":"yesterday"}}"#, "FILTER_INVALID_VALUE"),
    ])
    func badFiltersGet400(filters: String, code: String) async throws {
        let server = try await startSimulator()
        defer { Task { await server.stop() } }
        let reply = try await TestHTTP.scan(server, filtersJSON: filters)
        #expect(reply.status == 400)
        #expect(reply.json?["error"] as? Bool == true)
        let errors = try #require(reply.json?["filters"] as? [[String: Any]])
        #expect(errors.first?["errorMessageCode"] as? String == code)
        #expect(errors.first?["error"] is String)
    }

    @Test(arguments: [499, 5001, 0])
    func scanLimitOutsideRangeGets400(limit: Int) async throws {
        let server = try await startSimulator()
        defer { Task { await server.stop() } }
        #expect(try await TestHTTP.scan(server, limit: limit).status == 400)
    }

    @Test func entraClientCredentials() async throws {
        let server = try await startSimulator { $0.clientID = "app-1"; $0.clientSecret = "s3cret" }
        defer { Task { await server.stop() } }
        func token(secret: String, scope: String = "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default") async throws -> TestHTTP.Reply {
            let form = "grant_type=client_credentials&client_id=app-1&client_secret=\(secret)&scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            return try await TestHTTP.send("POST", server.baseURL + "/tenant-1/oauth2/v2.0/token",
                                           headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
        }
        let good = try await token(secret: "s3cret")
        #expect(good.status == 200)
        #expect(good.json?["token_type"] as? String == "Bearer")
        #expect(good.json?["expires_in"] as? Int == 3599)
        let access = try #require(good.json?["access_token"] as? String)
        #expect(try await TestHTTP.scan(server, auth: "Bearer \(access)").status == 200)
        #expect(try await TestHTTP.scan(server, auth: "Bearer not-issued").status == 401)

        let bad = try await token(secret: "wrong")
        #expect(bad.status == 401)
        #expect(bad.json?["error"] as? String == "invalid_client")
        #expect(try await token(secret: "s3cret", scope: "https://graph.microsoft.com/.default").status == 400)
    }

    @Test func expiredEntraTokenIsRejected() async throws {
        let server = try await startSimulator {
            $0.clientID = "app-1"; $0.clientSecret = "s"; $0.entraTokenLifetime = .zero
        }
        defer { Task { await server.stop() } }
        let form = "grant_type=client_credentials&client_id=app-1&client_secret=s&scope=05a65629-4c1b-48c1-a78b-804c4abdd4af%2F.default"
        let reply = try await TestHTTP.send("POST", server.baseURL + "/t/oauth2/v2.0/token", body: Data(form.utf8))
        let access = try #require(reply.json?["access_token"] as? String)
        let denied = try await TestHTTP.scan(server, auth: "Bearer \(access)")
        #expect(denied.status == 401)
    }
}
