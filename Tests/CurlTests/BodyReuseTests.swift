import Curl
import FlyingFox
import Foundation
import Testing

/// The client receives the next body into the previous body's memory once the caller has let
/// go of it (scan pages are tens of MB; see `HTTPEngine.spareBody`), and never while the caller
/// still holds it.
@Suite("HTTPClient body storage reuse")
struct BodyReuseTests {
    static let first = String(repeating: "a", count: 300_000)
    static let second = String(repeating: "b", count: 250_000)

    func withPages(_ body: (CurlClient, String) async throws -> Void) async throws {
        try await withHTTPServer(routes: { server in
            await server.appendRoute("GET /first") { _ in foxResponse(body: Self.first) }
            await server.appendRoute("GET /second") { _ in foxResponse(body: Self.second) }
        }) { server in
            try await body(try CurlClient(options: HTTPClientOptions()), server.base)
        }
    }

    @Test("a released body's memory receives the next body")
    func releasedBodyIsReused() async throws {
        try await withPages { client, base in
            var response: CurlResponse? = try await client.send(CurlRequest(url: base + "/first"))
            let firstAddress = response?.body.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            #expect(response.map { text($0.body) } == Self.first)
            response = nil
            let next = try await client.send(CurlRequest(url: base + "/second"))
            #expect(text(next.body) == Self.second)
            #expect(next.body.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == firstAddress)
        }
    }

    @Test("a body the caller still holds is left intact")
    func heldBodyIsNotOverwritten() async throws {
        try await withPages { client, base in
            let held = try await client.send(CurlRequest(url: base + "/first"))
            let next = try await client.send(CurlRequest(url: base + "/second"))
            #expect(text(held.body) == Self.first)
            #expect(text(next.body) == Self.second)
            let third = try await client.send(CurlRequest(url: base + "/first"))
            #expect(text(third.body) == Self.first)
            #expect(text(next.body) == Self.second)
        }
    }
}
