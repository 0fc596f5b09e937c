import Foundation

/// A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with `openssl`.
public struct TestCertificates: Sendable, Equatable {
    public var caFile: String
    public var certFile: String
    public var keyFile: String

    public static func make(in directory: URL, name: String = "test") throws -> TestCertificates {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ file: String) -> String { directory.appendingPathComponent("\(name)-\(file)").path }
        let ext = path("ext.cnf")
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: ext))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2",
                                             "-subj", "/CN=\(name) test CA"])
        try openssl(["req"] + ec + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", ext])
        return TestCertificates(caFile: path("ca.pem"), certFile: path("server.pem"), keyFile: path("server.key"))
    }

    /// A client certificate signed by this CA (imrelp with TLS asks every client for one).
    public func makeClient(name: String = "forwarder") throws -> (certFile: String, keyFile: String) {
        let directory = URL(fileURLWithPath: caFile).deletingLastPathComponent()
        let prefix = URL(fileURLWithPath: caFile).lastPathComponent.replacingOccurrences(of: "-ca.pem", with: "")
        func path(_ file: String) -> String { directory.appendingPathComponent("\(prefix)-\(name)-\(file)").path }
        let ext = path("ext.cnf")
        try Data("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".utf8).write(to: URL(fileURLWithPath: ext))
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", path("client.key"), "-out", path("client.csr"), "-subj", "/CN=\(name)"])
        try Self.openssl(["x509", "-req", "-in", path("client.csr"), "-CA", caFile,
                          "-CAkey", caFile.replacingOccurrences(of: "-ca.pem", with: "-ca.key"),
                          "-CAcreateserial", "-out", path("client.pem"), "-days", "2", "-extfile", ext])
        // The key is a secret: the forwarder refuses key files others can read.
        guard chmod(path("client.key"), 0o600) == 0 else { throw Rsyslog.Failure(description: "chmod \(path("client.key"))") }
        return (path("client.pem"), path("client.key"))
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Rsyslog.Failure(description: "openssl \(arguments.prefix(2)) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}
