import Curl
import FlyingFox
import Foundation

typealias CurlClient = Curl.HTTPClient
typealias CurlRequest = Curl.HTTPRequest
typealias CurlResponse = Curl.HTTPResponse
typealias FoxResponse = FlyingFox.HTTPResponse
typealias FoxHeader = FlyingFox.HTTPHeader

/// Starts a server, runs `body`, and stops the server whether or not `body` threw.
func withHTTPServer<T>(
    handler: (any HTTPHandler)? = nil,
    routes: (HTTPServer) async -> Void = { _ in },
    _ body: (LocalHTTPServer) async throws -> T
) async throws -> T {
    let server = try await LocalHTTPServer.start(handler: handler, routes: routes)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Sends and returns the outcome as a value, so a test can inspect the typed error.
func outcome(_ client: CurlClient, _ request: CurlRequest) async -> Result<CurlResponse, CurlError> {
    do {
        return .success(try await client.send(request))
    } catch {
        return .failure(error)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func foxResponse(_ status: Int = 200, headers: [String: String] = [:], body: String = "") -> FoxResponse {
    var fields = HTTPHeaders()
    for (name, value) in headers { fields.addValue(value, for: FoxHeader(name)) }
    return FoxResponse(statusCode: HTTPStatusCode(status, phrase: "Status"), headers: fields, body: Data(body.utf8))
}
