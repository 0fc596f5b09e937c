import Foundation

/// `openssl s_server` on 127.0.0.1 with a self-signed certificate for `localhost`, made by the
/// `openssl` CLI in a temporary directory. Its stdout (which echoes received bytes) is readable.
final class OpenSSLServer {
    let directory: URL
    private(set) var port = 0
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var clientCertificatePath: String { directory.appendingPathComponent("client.pem").path }
    var clientKeyPath: String { directory.appendingPathComponent("client-key.pem").path }
    private let process: Process
    private let input = Pipe()   // held open: s_server stops reading the connection at stdin EOF
    private var output: AsyncStream<Data>.Iterator
    private var received = Data()

    /// `requireClientCertificate` also makes `client.pem`/`client-key.pem` and has the server
    /// demand that certificate (`-Verify`); `extraArguments` go to s_server (e.g. `-www`).
    init(requireClientCertificate: Bool = false, extraArguments: [String] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.makeCertificate(named: "cert", commonName: "localhost", in: directory)
        var extraArguments = extraArguments
        if requireClientCertificate {
            try Self.makeCertificate(named: "client", commonName: "forwarder.example", in: directory)
            extraArguments += ["-Verify", "1", "-verify_return_error",
                               "-CAfile", directory.appendingPathComponent("client.pem").path]
        }

        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0",
                             "-cert", directory.appendingPathComponent("cert.pem").path,
                             "-key", directory.appendingPathComponent("cert-key.pem").path] + extraArguments
        let stdout = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        let reader = stdout.fileHandleForReading
        // A blocking reader thread: FileHandle.readabilityHandler did not fire here on Linux.
        DispatchQueue(label: "curl-tests.s_server-stdout").async {
            while true {
                let data = reader.availableData
                guard !data.isEmpty else { break }
                continuation.yield(data)
            }
            continuation.finish()
        }
        output = stream.makeAsyncIterator()
        try process.run()
        // s_server prints "ACCEPT 127.0.0.1:<port>" once it listens.
        let banner = try await waitForOutput(containing: "ACCEPT ", thenLine: true)
        guard let line = banner.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
              let parsed = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        else { throw TestFailure("unexpected s_server banner: \(banner)") }
        port = parsed
    }

    /// Waits until the server's stdout contains `text` (and the rest of that line when asked).
    @discardableResult
    func waitForOutput(containing text: String, thenLine: Bool = false) async throws -> String {
        let needle = Data(text.utf8)
        while true {
            if let range = received.range(of: needle),
               !thenLine || received[range.upperBound...].contains(UInt8(ascii: "\n")) {
                return String(decoding: received, as: UTF8.self)
            }
            guard let chunk = await output.next() else {
                throw TestFailure("s_server exited before printing \(text): \(String(decoding: received, as: UTF8.self))")
            }
            received.append(chunk)
        }
    }

    func stop() {
        // SIGKILL, not terminate(): children of the test process inherit a mask blocking SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `openssl req -x509` for `commonName` with subjectAltName localhost and 127.0.0.1.
    static func makeCertificate(named name: String, commonName: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                             "-days", "1", "-subj", "/CN=\(commonName)",
                             "-addext", "subjectAltName=DNS:\(commonName),IP:127.0.0.1",
                             "-keyout", directory.appendingPathComponent("\(name)-key.pem").path,
                             "-out", directory.appendingPathComponent("\(name).pem").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl req failed: \(process.terminationStatus)") }
    }
}
