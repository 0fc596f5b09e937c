import Curl
import FlyingFox
import Foundation
import Synchronization
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

    /// PRODUCT §3 "Redirects": whoever controls a redirect target must not answer in the
    /// service's name. 127.0.0.1 → localhost is another host; another port is another origin.
    @Test("a redirect to another origin is not followed: the 3xx comes back", arguments: [302, 307])
    func otherOriginIsNotFollowed(status: Int) async throws {
        let hits = Counter()
        let injector = ClosureHTTPHandler { _ in
            hits.increment()
            return foxResponse(body: #"{"data":[{"_id":"injected"}],"hasNext":false}"#)
        }
        try await withHTTPServer(handler: injector) { other in
            try await withHTTPServer(routes: { server in
                await server.appendRoute("POST /to-port") { _ in foxResponse(status, headers: ["Location": other.base + "/page"]) }
                await server.appendRoute("POST /to-host") { _ in
                    foxResponse(status, headers: ["Location": "http://localhost:\(other.port)/page"])
                }
            }) { server in
                let client = try CurlClient(options: HTTPClientOptions())
                for path in ["/to-port", "/to-host"] {
                    let response = try await client.send(CurlRequest(
                        method: "POST", url: server.base + path, headers: [.init(name: "Authorization", value: "Token abc")],
                        body: Array("{}".utf8)))
                    #expect(response.status == status)
                    #expect(response.header("Location")?.hasSuffix(":\(other.port)/page") == true)
                    #expect(!String(decoding: response.body, as: UTF8.self).contains("injected"))
                }
                #expect(hits.value == 0, "the other origin was never contacted")
            }
        }
    }

    @Test("URLOrigin compares scheme, host and port, with default ports")
    func origins() {
        #expect(URLOrigin("https://Contoso.example/api?x=1") == URLOrigin("https://contoso.example:443/other"))
        #expect(URLOrigin("http://127.0.0.1:8080/a") != URLOrigin("http://127.0.0.1:8081/a"))
        #expect(URLOrigin("http://h/a") != URLOrigin("https://h/a"))
        #expect(URLOrigin("https://u:secret@h:8443/p?token=t")?.description == "https://h:8443")
        #expect(URLOrigin("/relative") == nil)
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

    @Test("a redirect to a non-HTTP scheme is not followed")
    func redirectToFileIsNotFollowed() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /to-file") { _ in foxResponse(302, headers: ["Location": "file:///etc/hostname"]) }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let response = try await client.send(CurlRequest(url: server.base + "/to-file"))
            #expect(response.status == 302)
            #expect(response.body.isEmpty)
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

/// Requests seen by a handler (any thread).
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
