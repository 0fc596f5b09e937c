import Curl
import FlyingFox
import Foundation
import Testing

@Suite("HTTPClient against a local server")
struct HTTPClientTests {
    @Test("status and headers are exposed; lookup is case-insensitive", arguments: [200, 429, 503])
    func statusAndHeaders(status: Int) async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /page") { _ in
                foxResponse(status, headers: ["Retry-After": "7", "X-Mixed-Case": "yes"], body: "body \(status)")
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let response = try await client.send(CurlRequest(url: server.base + "/page"))
            #expect(response.status == status)
            #expect(response.header("retry-after") == "7")
            #expect(response.header("RETRY-AFTER") == "7")
            #expect(response.header("x-mixed-case") == "yes")
            #expect(response.header("X-Absent") == nil)
            #expect(text(response.body) == "body \(status)")
        }
    }

    @Test("POST sends body and headers; the server sees gzip offered and our user agent")
    func postRoundTrip() async throws {
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await withHTTPServer(routes: { server in
            await server.appendRoute("POST /echo") { request in
                let body = try await request.bodyData
                var headers = HTTPHeaders()
                headers.addValue(request.headers[.authorization] ?? "-", for: FoxHeader("X-Seen-Auth"))
                headers.addValue(request.headers[.contentType] ?? "-", for: FoxHeader("X-Seen-Type"))
                headers.addValue(request.headers[FoxHeader("Accept-Encoding")] ?? "-", for: FoxHeader("X-Seen-Encoding"))
                headers.addValue(request.headers[FoxHeader("User-Agent")] ?? "-", for: FoxHeader("X-Seen-Agent"))
                return FoxResponse(statusCode: .ok, headers: headers, body: body)
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions(userAgent: "mdca-forwarder/test"))
            let response = try await client.send(CurlRequest(
                method: "POST", url: server.base + "/echo",
                headers: [.init(name: "Authorization", value: "Token abc"), .init(name: "Content-Type", value: "application/json")],
                body: payload))
            #expect(response.status == 200)
            #expect(response.body == payload)
            #expect(response.header("X-Seen-Auth") == "Token abc")
            #expect(response.header("X-Seen-Type") == "application/json")
            #expect(response.header("X-Seen-Encoding")?.contains("gzip") == true)
            #expect(response.header("X-Seen-Agent") == "mdca-forwarder/test")
        }
    }

    @Test("a Content-Length over the cap fails with .tooLarge")
    func tooLargeByContentLength() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /big") { _ in foxResponse(body: String(repeating: "x", count: 5000)) }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions(maxResponseBytes: 1000))
            let error = await outcome(client, CurlRequest(url: server.base + "/big")).failure
            #expect(error?.kind == .tooLarge)
        }
    }

    @Test("a body without Content-Length is cut off at the cap with .tooLarge; a smaller one passes")
    func tooLargeWhileStreaming() async throws {
        for (size, passes) in [(5000, false), (900, true)] {
            let listener = try TCPListener()
            async let served: Void = onThread {
                let connection = try listener.accept()
                _ = try connection.readRequestHead()
                try connection.write(Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)
                                     + [UInt8](repeating: 0x61, count: size))
                connection.close()
            }
            let client = try CurlClient(options: HTTPClientOptions(maxResponseBytes: 1000))
            let result = await outcome(client, CurlRequest(url: "http://127.0.0.1:\(listener.port)/stream"))
            _ = try? await served   // the server may see a reset when the client aborts
            if passes {
                #expect(try result.get().body.count == size)
            } else {
                #expect(result.failure?.kind == .tooLarge)
            }
        }
    }

    @Test("only the final response's headers are kept (interim 100 response dropped)")
    func interimResponseHeadersAreDropped() async throws {
        let listener = try TCPListener()
        async let served: Void = onThread {
            let connection = try listener.accept()
            _ = try connection.readRequestHead()
            try connection.write(Array(("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").utf8))
            _ = try connection.read(count: 1)   // until the client closes
        }
        let client = try CurlClient(options: HTTPClientOptions())
        let response = try await client.send(CurlRequest(url: "http://127.0.0.1:\(listener.port)/"))
        #expect(response.status == 200)
        #expect(response.header("X-Final") == "1")
        #expect(response.header("X-Interim") == nil)
        #expect(text(response.body) == "ok")
        try await served
    }

    @Test("the total timeout fails a slow response with .timeout")
    func totalTimeout() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /slow") { _ in
                try await Task.sleep(for: .seconds(10))
                return foxResponse()
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions(totalTimeout: .milliseconds(300)))
            let started = ContinuousClock.now
            let error = await outcome(client, CurlRequest(url: server.base + "/slow")).failure
            #expect(error?.kind == .timeout)
            // The server answers after 10 s: an error before that is the 300 ms total timeout
            // (the margin is for a loaded test run resuming this test late).
            #expect(ContinuousClock.now - started < .seconds(9))
        }
    }

    @Test("cancelling the task aborts a slow request within 5 s with .cancelled")
    func cancellation() async throws {
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /slow") { _ in
                arrived.yield()
                try await Task.sleep(for: .seconds(30))
                return foxResponse()
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let request = CurlRequest(url: server.base + "/slow")
            // The end is timed where the transfer returns, not where this test resumes (which
            // a loaded test run can delay by seconds without saying anything about curl).
            let task = Task { (await outcome(client, request), ContinuousClock.now) }
            var waiter = arrivals.makeAsyncIterator()
            _ = await waiter.next()   // the transfer is in flight
            let cancelledAt = ContinuousClock.now
            task.cancel()
            let (result, endedAt) = await task.value
            // The server sleeps 30 s, so ending within 5 s still proves the cancellation aborted
            // the transfer; resuming the transfer's task on a busy 2-core pool can exceed 1 s.
            #expect(endedAt - cancelledAt < .seconds(5), "took \(endedAt - cancelledAt)")
            #expect(result.failure?.kind == .cancelled)
        }
    }

    @Test("a refused connection is .connect and names the URL without userinfo or query")
    func connectionRefused() async throws {
        let port = try TCPListener.unusedPort()
        let client = try CurlClient(options: HTTPClientOptions())
        let url = "http://user:hunter2@127.0.0.1:\(port)/api/v1/activities/?token=s3cret"
        let error = try #require(await outcome(client, CurlRequest(url: url)).failure)
        #expect(error.kind == .connect)
        #expect(error.url == "http://127.0.0.1:\(port)/api/v1/activities/")
        #expect(error.description.contains("127.0.0.1:\(port)/api/v1/activities/"))
        #expect(!error.description.contains("hunter2"))
        #expect(!error.description.contains("s3cret"))
    }

    @Test("requests of one client reuse the kept-alive connection")
    func keepAlive() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /who") { request in
                guard case .ip4(_, let port)? = request.remoteAddress else { return foxResponse(500) }
                return foxResponse(body: "\(port)")
            }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let first = try await client.send(CurlRequest(url: server.base + "/who"))
            let second = try await client.send(CurlRequest(url: server.base + "/who"))
            #expect(first.status == 200)
            #expect(text(first.body) == text(second.body))
        }
    }

    @Test("concurrent sends on one client all complete")
    func concurrentSends() async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /n") { request in foxResponse(body: request.query["i"] ?? "-") }
        }) { server in
            let client = try CurlClient(options: HTTPClientOptions())
            let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<8 {
                    group.addTask { (i, text(try await client.send(CurlRequest(url: server.base + "/n?i=\(i)")).body)) }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            #expect(bodies == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, "\($0)") }))
        }
    }

    @Test("a header value with CR/LF is refused without echoing the value")
    func headerInjection() async throws {
        let client = try CurlClient(options: HTTPClientOptions())
        let request = CurlRequest(url: "http://127.0.0.1:9/", headers: [.init(name: "Authorization", value: "Token a\r\nX-Evil: 1")])
        let error = try #require(await outcome(client, request).failure)
        #expect(error.kind == .setup)
        #expect(!error.description.contains("Token a"))
    }
}
