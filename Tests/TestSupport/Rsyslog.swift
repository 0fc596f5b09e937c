import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private `rsyslogd` for tests: its own config, work directory, ports on 127.0.0.1 and
/// output files holding one received message per line. Generic on purpose: the outputs tests
/// and the end-to-end suite both use it.
///
///     let rsyslog = try await Rsyslog.start([.tcp, .udp])
///     defer { rsyslog.stop() }
///     … send to rsyslog.port(.tcp) …
///     let lines = try await rsyslog.waitForLines(10)
///
/// Several named listeners, each bound to its own ruleset and file:
///
///     let rsyslog = try await Rsyslog.start(listeners: [
///         .init(name: "lf", kind: .tcp), .init(name: "tls", kind: .tls(certificates))])
///     … rsyslog.port(named: "tls") … rsyslog.lines(named: "tls") …
public final class Rsyslog: @unchecked Sendable {
    /// A listener to configure (the single-file API).
    public enum Input: Sendable {
        case tcp
        case udp
        case tls(TestCertificates)
        /// imrelp.
        case relp
        /// imrelp with TLS. librelp asks every client for a certificate signed by the CA
        /// (`tls.authMode="certvalid"`: any certificate of that CA; see `makeClient`).
        case relpTLS(TestCertificates)

        var key: String {
            switch self {
            case .tcp: "tcp"
            case .udp: "udp"
            case .tls: "tls"
            case .relp: "relp"
            case .relpTLS: "relptls"
            }
        }

        var isRELP: Bool { key.hasPrefix("relp") }
    }

    /// What each output line holds.
    public enum Template: Sendable, Equatable {
        /// `%rawmsg%`: the message exactly as received (without octet-counting's length).
        case rawMessage
        /// `%msg%`: the MSG part after rsyslog parsed the syslog header.
        case message

        var property: String { self == .rawMessage ? "%rawmsg%" : "%msg%" }
    }

    /// One named input with its own ruleset and output file (`<name>.log`).
    public struct Listener: Sendable {
        public var name: String
        /// imtcp, imudp, or imtcp with the gtls stream driver set on this input only (so plain
        /// TCP and TLS inputs share one rsyslogd).
        public var kind: Input
        public var template: Template

        public init(name: String, kind: Input, template: Template = .message) {
            self.name = name
            self.kind = kind
            self.template = template
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let directory: URL
    /// The file of the single-file API (`start(_:template:)`).
    public let outputFile: URL
    private let portsByName: [String: Int]
    private let filesByName: [String: URL]
    private let listeners: [Listener]
    private let configFile: URL
    /// The running rsyslogd; replaced by `restart`.
    private var process: Process
    private let lock = NSLock()

    private init(directory: URL, outputFile: URL, ports: [String: Int], files: [String: URL], listeners: [Listener],
                 configFile: URL, process: Process) {
        self.directory = directory
        self.outputFile = outputFile
        self.portsByName = ports
        self.filesByName = files
        self.listeners = listeners
        self.configFile = configFile
        self.process = process
    }

    private var current: Process { lock.withLock { process } }

    /// The port of a configured input (single-file API).
    public func port(_ input: Input) -> Int { portsByName[input.key] ?? 0 }
    /// The port of a named listener.
    public func port(named name: String) -> Int { portsByName[name] ?? 0 }

    public static let executable = "/usr/sbin/rsyslogd"

    /// Starts one input per kind, all writing to `outputFile` with `template`.
    public static func start(_ inputs: [Input], template: Template = .rawMessage,
                             timeout: Duration = .seconds(15)) async throws -> Rsyslog {
        try await start(listeners: inputs.map { Listener(name: $0.key, kind: $0, template: template) },
                        sharedFile: true, timeout: timeout)
    }

    /// Starts the named listeners, each writing what it receives to its own file.
    /// `maxMessageSize` is rsyslog's global cap (larger messages are truncated by rsyslog).
    ///
    /// `durable`: every message is written to its file before the input takes the next one
    /// (a direct main queue, so nothing waits in rsyslog's memory, and omfile writes at the end
    /// of each one-message transaction). imrelp then answers `200` only for what is in the
    /// file: a SIGKILL loses nothing it acknowledged, while imtcp still loses what sat in its
    /// socket buffer.
    public static func start(listeners: [Listener], maxMessageSize: String = "1m", durable: Bool = false,
                             timeout: Duration = .seconds(15)) async throws -> Rsyslog {
        try await start(listeners: listeners, sharedFile: false, maxMessageSize: maxMessageSize, durable: durable,
                        timeout: timeout)
    }

    private static func start(listeners: [Listener], sharedFile: Bool, maxMessageSize: String = "64k",
                              durable: Bool = false, timeout: Duration) async throws -> Rsyslog {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rsyslog-\(UUID().uuidString)")
        let work = directory.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let outputFile = directory.appendingPathComponent("received.log")
        var ports: [String: Int] = [:]
        var files: [String: URL] = [:]
        for listener in listeners {
            guard ports[listener.name] == nil else { throw Failure(description: "duplicate listener \(listener.name)") }
            ports[listener.name] = Int(try listener.kind.key == "udp" ? FreePort.udp() : FreePort.tcp())
            files[listener.name] = sharedFile ? outputFile : directory.appendingPathComponent("\(listener.name).log")
        }
        let config = try configuration(listeners: listeners, ports: ports, files: files, work: work,
                                       maxMessageSize: maxMessageSize, durable: durable)
        let configFile = directory.appendingPathComponent("rsyslog.conf")
        try Data(config.utf8).write(to: configFile)

        let process = try launch(configFile: configFile, directory: directory)
        let rsyslog = Rsyslog(directory: directory, outputFile: outputFile, ports: ports, files: files,
                              listeners: listeners, configFile: configFile, process: process)
        do {
            try await rsyslog.waitUntilListening(process, timeout: timeout)
        } catch {
            rsyslog.stop()
            throw error
        }
        return rsyslog
    }

    private static func launch(configFile: URL, directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-n", "-f", configFile.path, "-i", directory.appendingPathComponent("rsyslogd.pid").path]
        let log = directory.appendingPathComponent("rsyslogd.stderr")
        if !FileManager.default.fileExists(atPath: log.path) {
            guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
                throw Failure(description: "cannot create \(log.path)")
            }
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private func waitUntilListening(_ process: Process, timeout: Duration) async throws {
        let ports = portsByName
        let listeners = listeners
        let ready = try await Self.eventually(timeout: timeout) {
            guard process.isRunning else { return true }
            return listeners.allSatisfy { Self.isBound(port: ports[$0.name] ?? 0, udp: $0.kind.key == "udp") }
        }
        guard ready, process.isRunning else {
            let config = (try? String(contentsOf: configFile, encoding: .utf8)) ?? ""
            throw Failure(description: "rsyslogd did not start listening on \(ports): \(diagnostics)\nconfig:\n\(config)")
        }
    }

    /// The running rsyslogd's process id.
    public var processIdentifier: Int32 { current.processIdentifier }

    /// Sends `signal` to the running rsyslogd (SIGSTOP/SIGCONT to freeze it with data in flight).
    public func signal(_ signal: Int32) { _ = kill(current.processIdentifier, signal) }

    /// Kills rsyslogd with SIGKILL (a crash: nothing is flushed) and waits until it is gone.
    public func crash() {
        let process = current
        guard process.isRunning else { return }
        _ = kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts rsyslogd again with the same configuration, ports and files (it appends to them).
    public func restart(timeout: Duration = .seconds(15)) async throws {
        crash()
        // A killed rsyslogd leaves its pid file; it refuses to start if that pid is alive again.
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("rsyslogd.pid"))
        let process = try Self.launch(configFile: configFile, directory: directory)
        lock.withLock { self.process = process }
        try await waitUntilListening(process, timeout: timeout)
    }

    /// How many bytes wait unread in rsyslogd's receive queue on `port` (from /proc/net/tcp):
    /// what a crash now would lose unless the sender waits for acknowledgements.
    public func unreadBytes(port: Int) -> Int {
        // FileHandle, not String(contentsOfFile:): that stops after procfs's first page.
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return 0 }
        let table = String(decoding: data, as: UTF8.self)
        let local = String(format: "0100007F:%04X", port)
        var total = 0
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local_address rem_address st tx_queue:rx_queue …; 01 = ESTABLISHED
            guard fields.count > 4, fields[1] == local, fields[3] == "01" else { continue }
            let queues = fields[4].split(separator: ":")
            if queues.count == 2, let rx = Int(queues[1], radix: 16) { total += rx }
        }
        return total
    }

    /// The rsyslog.conf for `listeners`: one ruleset per output file, bound to its inputs.
    static func configuration(listeners: [Listener], ports: [String: Int], files: [String: URL], work: URL,
                              maxMessageSize: String, durable: Bool = false) throws -> String {
        var lines: [String] = []
        // Control characters are kept as received (no `#011` escapes) so that what the file
        // holds is byte for byte what the sender framed; an injected LF would show as a broken line.
        var global = #"global(workDirectory="\#(work.path)" maxMessageSize="\#(maxMessageSize)" parser.escapeControlCharactersOnReceive="off""#
        let certificates = listeners.compactMap { if case .tls(let c) = $0.kind { c } else { nil } }
        if let tls = certificates.first {
            guard certificates.allSatisfy({ $0 == tls }) else {
                throw Failure(description: "all TLS listeners of one rsyslogd share one certificate")
            }
            global += #" DefaultNetstreamDriverCAFile="\#(tls.caFile)""#
            global += #" DefaultNetstreamDriverCertFile="\#(tls.certFile)" DefaultNetstreamDriverKeyFile="\#(tls.keyFile)""#
        }
        lines.append(global + ")")
        if durable { lines.append(#"main_queue(queue.type="direct")"#) }
        if listeners.contains(where: { $0.kind.key != "udp" && !$0.kind.isRELP }) { lines.append(#"module(load="imtcp")"#) }
        if listeners.contains(where: { $0.kind.isRELP }) { lines.append(#"module(load="imrelp")"#) }
        if listeners.contains(where: { $0.kind.key == "udp" }) { lines.append(#"module(load="imudp")"#) }

        var rulesets: [String: String] = [:]  // file path -> ruleset name
        for listener in listeners {
            guard let file = files[listener.name] else { continue }
            let ruleset: String
            if let existing = rulesets[file.path] {
                ruleset = existing
            } else {
                ruleset = "rs_\(rulesets.count)"
                rulesets[file.path] = ruleset
                lines.append(#"template(name="t_\#(ruleset)" type="string" string="\#(listener.template.property)\n")"#)
                // flushOnTXEnd (omfile's default, spelled out): each transaction's lines are
                // written before the next; with `durable`, a transaction is one message.
                lines.append(#"ruleset(name="\#(ruleset)") { action(type="omfile" file="\#(file.path)" template="t_\#(ruleset)" flushOnTXEnd="on") }"#)
            }
            let port = ports[listener.name] ?? 0
            switch listener.kind {
            case .tcp:
                lines.append(#"input(type="imtcp" port="\#(port)" address="127.0.0.1" ruleset="\#(ruleset)")"#)
            case .udp:
                // A large receive buffer: a burst of datagrams on loopback must not overflow it.
                lines.append(#"input(type="imudp" port="\#(port)" address="127.0.0.1" ruleset="\#(ruleset)" rcvbufSize="16m")"#)
            case .tls:
                lines.append(#"input(type="imtcp" port="\#(port)" address="127.0.0.1" ruleset="\#(ruleset)" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")"#)
            case .relp:
                lines.append(#"input(type="imrelp" port="\#(port)" address="127.0.0.1" ruleset="\#(ruleset)" maxDataSize="\#(maxMessageSize)")"#)
            case .relpTLS(let tls):
                lines.append(#"input(type="imrelp" port="\#(port)" address="127.0.0.1" ruleset="\#(ruleset)" maxDataSize="\#(maxMessageSize)" tls="on" tls.caCert="\#(tls.caFile)" tls.myCert="\#(tls.certFile)" tls.myPrivKey="\#(tls.keyFile)" tls.authMode="certvalid")"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// True when something already listens on 127.0.0.1:`port` (a bind without
    /// SO_REUSEADDR fails with EADDRINUSE), checked without connecting to it.
    static func isBound(port: Int, udp: Bool) -> Bool {
        let fd = socket(AF_INET, (udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in.loopback(port: UInt16(port))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc != 0 && errno == EADDRINUSE
    }

    /// The lines received so far (single-file API).
    public func lines() -> [String] { Self.lines(of: outputFile) }

    /// The lines a named listener received so far.
    public func lines(named name: String) -> [String] {
        guard let file = filesByName[name] else { return [] }
        return Self.lines(of: file)
    }

    /// How many complete lines a named listener's file holds (cheap: counts LFs with memchr,
    /// for files of a hundred megabytes polled while a test runs).
    public func lineCount(named name: String) -> Int {
        guard let file = filesByName[name], let data = FileManager.default.contents(atPath: file.path) else { return 0 }
        return data.withUnsafeBytes { raw -> Int in
            guard var cursor = raw.baseAddress else { return 0 }
            var remaining = raw.count
            var count = 0
            while remaining > 0, let found = memchr(cursor, 0x0A, remaining) {
                count += 1
                let next = found + 1
                remaining -= cursor.distance(to: UnsafeRawPointer(next))
                cursor = UnsafeRawPointer(next)
            }
            return count
        }
    }

    static func lines(of file: URL) -> [String] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// rsyslogd's own stderr (configuration errors, TLS handshake failures).
    public var diagnostics: String {
        (try? String(contentsOf: directory.appendingPathComponent("rsyslogd.stderr"), encoding: .utf8)) ?? ""
    }

    /// Waits until at least `count` lines arrived; throws with what did arrive otherwise.
    public func waitForLines(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [String] {
        let done = try await Self.eventually(timeout: timeout) { lines().count >= count }
        let got = lines()
        guard done else { throw Failure(description: "rsyslog received \(got.count) of \(count) lines: \(got.suffix(3))") }
        return got
    }

    /// Polls `condition` until it holds or the deadline passes (the awaited events happen in
    /// another process, which offers nothing to await directly).
    static func eventually(timeout: Duration, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    /// Stops rsyslogd and removes its directory.
    public func stop() {
        let process = current
        if process.isRunning {
            // SIGKILL, not SIGTERM: the child inherits the spawning thread's signal mask, and the
            // test runner's threads block SIGTERM (rsyslogd never unblocks it). Every test reads
            // what it needs from the output files before stopping, so nothing is lost.
            _ = kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
