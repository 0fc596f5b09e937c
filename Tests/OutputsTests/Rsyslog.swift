import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private `rsyslogd` for tests: its own config, work directory, ports on 127.0.0.1 and an
/// output file holding one received message per line. Generic on purpose: the end-to-end
/// suite reuses it.
///
///     let rsyslog = try await Rsyslog.start([.tcp, .udp])
///     defer { rsyslog.stop() }
///     … send to rsyslog.port(.tcp) …
///     let lines = try await rsyslog.waitForLines(10)
final class Rsyslog: @unchecked Sendable {
    /// A listener to configure. TLS (imtcp with the gtls driver) and plain TCP cannot share
    /// one instance: the stream driver is an imtcp module setting.
    enum Input: Sendable {
        case tcp
        case udp
        case tls(TestCertificates)

        var key: String {
            switch self {
            case .tcp: "tcp"
            case .udp: "udp"
            case .tls: "tls"
            }
        }
    }

    /// What each output line holds.
    enum Template: Sendable {
        /// `%rawmsg%`: the message exactly as received (without octet-counting's length).
        case rawMessage
        /// `%msg%`: the MSG part after rsyslog parsed the syslog header.
        case message
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let directory: URL
    let outputFile: URL
    let ports: [String: Int]
    private let process: Process

    private init(directory: URL, outputFile: URL, ports: [String: Int], process: Process) {
        self.directory = directory
        self.outputFile = outputFile
        self.ports = ports
        self.process = process
    }

    /// The port of a configured input.
    func port(_ input: Input) -> Int { ports[input.key] ?? 0 }

    static let executable = "/usr/sbin/rsyslogd"

    /// Writes the configuration, starts `rsyslogd -n` and returns once every input listens.
    static func start(_ inputs: [Input], template: Template = .rawMessage,
                      timeout: Duration = .seconds(15)) async throws -> Rsyslog {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rsyslog-\(UUID().uuidString)")
        let work = directory.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let outputFile = directory.appendingPathComponent("received.log")
        var ports: [String: Int] = [:]
        for input in inputs {
            ports[input.key] = try freePort(type: input.key == "udp" ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue))
        }
        let config = configuration(inputs: inputs, ports: ports, work: work, outputFile: outputFile, template: template)
        let configFile = directory.appendingPathComponent("rsyslog.conf")
        try Data(config.utf8).write(to: configFile)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-n", "-f", configFile.path, "-i", directory.appendingPathComponent("rsyslogd.pid").path]
        let log = directory.appendingPathComponent("rsyslogd.stderr")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw Failure(description: "cannot create \(log.path)")
        }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let rsyslog = Rsyslog(directory: directory, outputFile: outputFile, ports: ports, process: process)

        let ready = try await eventually(timeout: timeout) {
            guard process.isRunning else { return true }
            return inputs.allSatisfy { isBound(port: ports[$0.key] ?? 0, udp: $0.key == "udp") }
        }
        guard ready, process.isRunning else {
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            rsyslog.stop()
            throw Failure(description: "rsyslogd did not start listening on \(ports): \(stderr)\nconfig:\n\(config)")
        }
        return rsyslog
    }

    static func configuration(inputs: [Input], ports: [String: Int], work: URL, outputFile: URL,
                              template: Template) -> String {
        var lines: [String] = []
        var global = #"global(workDirectory="\#(work.path)" maxMessageSize="64k""#
        let tls = inputs.compactMap { if case .tls(let certs) = $0 { certs } else { nil } }.first
        if let tls {
            global += #" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="\#(tls.caFile)""#
            global += #" DefaultNetstreamDriverCertFile="\#(tls.certFile)" DefaultNetstreamDriverKeyFile="\#(tls.keyFile)""#
        }
        lines.append(global + ")")
        if tls != nil {
            lines.append(#"module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")"#)
        } else if inputs.contains(where: { $0.key == "tcp" }) {
            lines.append(#"module(load="imtcp")"#)
        }
        if inputs.contains(where: { $0.key == "udp" }) { lines.append(#"module(load="imudp")"#) }
        for input in inputs {
            let type = input.key == "udp" ? "imudp" : "imtcp"
            lines.append(#"input(type="\#(type)" port="\#(ports[input.key] ?? 0)" address="127.0.0.1")"#)
        }
        let property = template == .rawMessage ? "%rawmsg%" : "%msg%"
        lines.append(#"template(name="testLines" type="string" string="\#(property)\n")"#)
        lines.append(#"action(type="omfile" file="\#(outputFile.path)" template="testLines")"#)
        return lines.joined(separator: "\n") + "\n"
    }

    /// True when something already listens on 127.0.0.1:`port` (a bind without
    /// SO_REUSEADDR fails with EADDRINUSE), checked without connecting to it.
    static func isBound(port: Int, udp: Bool) -> Bool {
        let fd = socket(AF_INET, (udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc != 0 && errno == EADDRINUSE
    }

    /// The lines received so far.
    func lines() -> [String] {
        guard let data = FileManager.default.contents(atPath: outputFile.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Waits until at least `count` lines arrived; throws with what did arrive otherwise.
    func waitForLines(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [String] {
        let done = try await eventually(timeout: timeout) { lines().count >= count }
        let got = lines()
        guard done else { throw Failure(description: "rsyslog received \(got.count) of \(count) lines: \(got.suffix(3))") }
        return got
    }

    /// Stops rsyslogd and removes its directory.
    func stop() {
        if process.isRunning {
            // SIGKILL, not SIGTERM: the child inherits the spawning thread's signal mask, and the
            // test runner's threads block SIGTERM (rsyslogd never unblocks it). Every test reads
            // what it needs from the output file before stopping, so nothing is lost.
            _ = kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with `openssl`.
struct TestCertificates: Sendable {
    var caFile: String
    var certFile: String
    var keyFile: String

    static func make(in directory: URL, name: String = "test") throws -> TestCertificates {
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
