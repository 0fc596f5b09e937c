import Curl
import Testing

@Suite("HTTPClient over TLS (openssl s_server -www)")
struct HTTPSTests {
    @Test("https with the server's CA in caFile succeeds")
    func trusted() async throws {
        let server = try await OpenSSLServer(extraArguments: ["-www"])
        defer { server.stop() }
        let client = try CurlClient(options: HTTPClientOptions(caFile: server.certificatePath))
        let response = try await client.send(CurlRequest(url: "https://localhost:\(server.port)/"))
        #expect(response.status == 200)
        #expect(text(response.body).contains("s_server"))
    }

    @Test("https to a certificate the CA store does not trust fails with .tls")
    func untrusted() async throws {
        let server = try await OpenSSLServer(extraArguments: ["-www"])
        defer { server.stop() }
        let client = try CurlClient(options: HTTPClientOptions())
        let error = await outcome(client, CurlRequest(url: "https://localhost:\(server.port)/")).failure
        #expect(error?.kind == .tls)
    }
}
