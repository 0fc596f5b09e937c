import Curl
import FlyingFox
import Foundation
import Testing

@Suite("HTTPClient redirects and proxy")
struct HTTPClientRedirectTests {
    /// Routes: /final echoes the Authorization header it received (or "none"); /r/n redirects
    /// n + 1 times on 127.0.0.1 before reaching /final.
    private func redirectRoutes(_ server: HTTPServer) async {
        await server.appendRoute("GET /final") { request in
            foxResponse(headers: ["X-Final": "1"], body: request.headers[.authorization] ?? "none")
        }
        await server.appendRoute("GET /r/:n") { request in
            let n = Int(request.routeParameters["n"] ?? "") ?? 0
            let port = request.headers[.host]?.split(separator: ":").last.map(String.init) ?? ""
            let next = n == 0 ? "/final" : "/r/\(n - 1)"
            return foxResponse(302, headers: ["Location": "http://127.0.0.1:\(port)\(next)"])
        }
    }

    @Test("Authorization follows a redirect on the same host")
    func sameHostKeepsAuthorization() async throws {
        try await withHTTPServer(routes: { server in
            await redirectRoutes(server)
            await server.appendRoute("GET /to-same") { request in
                let host = request.headers[.host] ?? ""
                return foxResponse(302, headers: ["Location": "http://\(host)/final", "X-Hop": "1"])
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let response = try await client.send(CurlRequest(
                url: server.base + "/to-same", headers: [.init(name: "Authorization", value: "Token abc")]))
            #expect(response.status == 200)
            #expect(text(response.body) == "Token abc")
            #expect(response.header("X-Final") == "1")
            #expect(response.header("X-Hop") == nil)       // only the final response's headers
            #expect(response.header("Location") == nil)
        }
    }

    @Test("Authorization is never sent to another host after a redirect")
    func otherHostDropsAuthorization() async throws {
        try await withHTTPServer(routes: { server in
            await redirectRoutes(server)
            await server.appendRoute("GET /to-other") { request in
                let port = request.headers[.host]?.split(separator: ":").last.map(String.init) ?? ""
                return foxResponse(302, headers: ["Location": "http://localhost:\(port)/final"])
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let response = try await client.send(CurlRequest(
                url: server.base + "/to-other", headers: [.init(name: "Authorization", value: "Token abc")]))
            #expect(response.status == 200)
            #expect(text(response.body) == "none")
        }
    }

    @Test("at most 3 redirects are followed", arguments: [(3, true), (4, false)])
    func redirectLimit(hops: Int, succeeds: Bool) async throws {
        try await withHTTPServer(routes: { server in await redirectRoutes(server) }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let result = await outcome(client, CurlRequest(url: server.base + "/r/\(hops - 1)"))
            if succeeds {
                #expect(try result.get().status == 200)
            } else {
                #expect(result.failure?.kind == .transport)
            }
        }
    }

    @Test("a redirect to a non-HTTP scheme is refused")
    func redirectToFileIsRefused() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /to-file") { _ in foxResponse(302, headers: ["Location": "file:///etc/hostname"]) }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let error = try #require(await outcome(client, CurlRequest(url: server.base + "/to-file")).failure)
            #expect(error.code == 1)   // CURLE_UNSUPPORTED_PROTOCOL
        }
    }

    @Test("the proxy option sends the request through the proxy as an absolute URI")
    func proxyOption() async throws {
        let proxy = ClosureHTTPHandler { request in
            foxResponse(body: "\(request.method.rawValue) \(request.target.rawValue) host=\(request.headers[.host] ?? "-")")
        }
        try await withHTTPServer(handler: proxy) { server in
            let client = try CurlClient(options: HTTPClientOptions(proxy: server.base))
            let response = try await client.send(CurlRequest(url: "http://mdca.example.invalid/api/v1/activities/?x=1"))
            #expect(response.status == 200)
            #expect(text(response.body) == "GET http://mdca.example.invalid/api/v1/activities/?x=1 host=mdca.example.invalid")
        }
    }
}
