import Curl
import Foundation
import Testing

@Suite("CurlStream over TCP and TLS")
struct CurlStreamTests {
    @Test("plain TCP: 1 MB written arrives intact")
    func plainTCP() async throws {
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let listener = try TCPListener()
        async let received = onThread {
            let connection = try listener.accept()
            return try connection.read(count: payload.count + 1)   // +1: also sees the close
        }
        try await onThread {
            let stream = try CurlStream(host: "127.0.0.1", port: listener.port, tls: nil, connectTimeout: .seconds(5))
            try payload.withUnsafeBytes { try stream.send($0, timeout: .seconds(10)) }
            stream.close()
        }
        #expect(try await received == payload)
    }

    @Test("plain TCP: a refused connection is .connect naming tcp://host:port")
    func refused() async throws {
        let port = try TCPListener.unusedPort()
        let error = try await #require(streamError { () throws(CurlError) in
            _ = try CurlStream(host: "127.0.0.1", port: port, tls: nil, connectTimeout: .seconds(5))
        })
        #expect(error.kind == .connect)
        #expect(error.url == "tcp://127.0.0.1:\(port)")
    }

    @Test("a receiver that never reads makes send throw .timeout")
    func receiverNotReading() async throws {
        let listener = try TCPListener()
        let (error, elapsed) = try await onThread { () -> (CurlError?, Duration) in
            let stream = try CurlStream(host: "127.0.0.1", port: listener.port, tls: nil, connectTimeout: .seconds(5))
            let connection = try listener.accept()   // accepted, never read
            let flood = [UInt8](repeating: 0x78, count: 64 << 20)
            let started = ContinuousClock.now
            var caught: CurlError?
            do {
                try flood.withUnsafeBytes { try stream.send($0, timeout: .seconds(1)) }
            } catch let error as CurlError {
                caught = error
            }
            connection.close()
            return (caught, ContinuousClock.now - started)
        }
        #expect(error?.kind == .timeout)
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5))
    }

    @Test("isPeerClosed turns true when the receiver closes")
    func peerClosed() async throws {
        let listener = try TCPListener()
        let (before, after) = try await onThread { () -> (Bool, Bool) in
            let stream = try CurlStream(host: "127.0.0.1", port: listener.port, tls: nil, connectTimeout: .seconds(5))
            let connection = try listener.accept()
            let before = stream.isPeerClosed()
            connection.close()
            // The FIN crosses loopback asynchronously: check again until it lands (bounded).
            let deadline = ContinuousClock.now + .seconds(2)
            var after = stream.isPeerClosed()
            while !after, ContinuousClock.now < deadline {
                try Task.checkCancellation()
                usleep(10_000)
                after = stream.isPeerClosed()
            }
            return (before, after)
        }
        #expect(before == false)
        #expect(after == true)
    }

    @Test("TLS: verified against caFile, with serverName, the bytes arrive decrypted")
    func tlsTrusted() async throws {
        let server = try await OpenSSLServer()
        defer { server.stop() }
        let port = server.port
        let caFile = server.certificatePath
        let marker = "hello-over-tls-\(UUID().uuidString)\n"
        try await onThread {
            // Connect to 127.0.0.1 but verify the certificate's name "localhost" (CONNECT_TO path).
            let stream = try CurlStream(host: "127.0.0.1", port: port,
                                        tls: .init(caFile: caFile, serverName: "localhost"), connectTimeout: .seconds(5))
            try Array(marker.utf8).withUnsafeBytes { try stream.send($0, timeout: .seconds(5)) }
            #expect(stream.isPeerClosed() == false)
            stream.close()
        }
        try await server.waitForOutput(containing: marker)
    }

    @Test("TLS: a client certificate is presented when the server demands one")
    func tlsClientCertificate() async throws {
        let server = try await OpenSSLServer(requireClientCertificate: true)
        defer { server.stop() }
        let (port, caFile, certFile, keyFile) = (server.port, server.certificatePath, server.clientCertificatePath, server.clientKeyPath)
        let marker = "hello-mtls-\(UUID().uuidString)\n"
        try await onThread {
            let tls = CurlStream.TLS(caFile: caFile, certFile: certFile, keyFile: keyFile)
            let stream = try CurlStream(host: "localhost", port: port, tls: tls, connectTimeout: .seconds(5))
            try Array(marker.utf8).withUnsafeBytes { try stream.send($0, timeout: .seconds(5)) }
            stream.close()
        }
        try await server.waitForOutput(containing: marker)
    }

    @Test("TLS: an untrusted certificate or a wrong server name is .tls",
          arguments: [(trusted: false, name: "localhost"), (trusted: true, name: "wrong.example")])
    func tlsRejected(trusted: Bool, name: String) async throws {
        let server = try await OpenSSLServer()
        defer { server.stop() }
        let port = server.port
        let caFile = trusted ? server.certificatePath : nil
        let error = try await #require(streamError { () throws(CurlError) in
            _ = try CurlStream(host: "127.0.0.1", port: port, tls: .init(caFile: caFile, serverName: name), connectTimeout: .seconds(5))
        })
        #expect(error.kind == .tls)
        #expect(error.url == "tls://127.0.0.1:\(port)")
    }

    private func streamError(_ body: @escaping @Sendable () throws(CurlError) -> Void) async throws -> CurlError? {
        try await onThread { () -> CurlError? in
            do throws(CurlError) {
                try body()
                return nil
            } catch {
                return error
            }
        }
    }
}
