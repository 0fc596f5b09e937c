import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real etcd cluster (Debian's `etcd-server`) on loopback: three members by default, plain
/// http on 127.0.0.1 (or https with client certificates), each with its own temporary data
/// directory. Health is probed on each member's plain metrics listener. Members can be killed and
/// started again (same data, same ports) to take the cluster below quorum and back.
public final class EtcdCluster: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let executable = "/usr/bin/etcd"

    private struct Member: Sendable {
        var name: String
        var clientPort: UInt16
        var peerPort: UInt16
        /// `--listen-metrics-urls`: /health in plain http whatever the client listener speaks.
        var metricsPort: UInt16
        var dataDir: String
        var log: String
    }

    public let directory: TempDir
    private let members: [Member]
    private let processes: Mutex<[Process?]>
    /// Server certificate and CA of the client listeners when they speak TLS.
    public let tls: TestCertificates?

    /// Client URLs, one per member, in member order.
    public var endpoints: [String] { members.map { "\(tls == nil ? "http" : "https")://127.0.0.1:\($0.clientPort)" } }

    private init(directory: TempDir, members: [Member], tls: TestCertificates?) {
        self.directory = directory
        self.members = members
        self.tls = tls
        processes = Mutex(Array(repeating: nil, count: members.count))
    }

    /// Starts the members and waits until every one reports itself healthy (it has a leader
    /// and the cluster has quorum).
    /// With `tls`, clients must speak https and present a certificate signed by the same CA
    /// (`TestCertificates.makeClient`).
    public static func start(members count: Int = 3, tls: Bool = false, timeout: Duration = .seconds(90)) async throws -> EtcdCluster {
        let directory = try TempDir("etcd-cluster")
        var members: [Member] = []
        for index in 0..<count {
            members.append(Member(name: "m\(index)", clientPort: try FreePort.tcp(), peerPort: try FreePort.tcp(), metricsPort: try FreePort.tcp(),
                                  dataDir: directory.file("m\(index).etcd"), log: directory.file("m\(index).log")))
        }
        let certificates = tls ? try memberCertificates(in: directory.file("tls")) : nil
        let cluster = EtcdCluster(directory: directory, members: members, tls: certificates)
        do {
            for index in 0..<count { try cluster.launch(index) }
            try await cluster.waitHealthy(Array(0..<count), timeout: timeout)
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private func launch(_ index: Int) throws {
        let member = members[index]
        let initialCluster = members.map { "\($0.name)=http://127.0.0.1:\($0.peerPort)" }.joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--name", member.name, "--data-dir", member.dataDir,
            "--listen-client-urls", endpoints[index], "--advertise-client-urls", endpoints[index],
            "--listen-metrics-urls", "http://127.0.0.1:\(member.metricsPort)",
            "--listen-peer-urls", "http://127.0.0.1:\(member.peerPort)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(member.peerPort)",
            "--initial-cluster", initialCluster, "--initial-cluster-token", "mdca-test-\(getpid())",
            "--initial-cluster-state", "new",
            // Generous for a loaded 2-core machine: no spurious elections.
            "--heartbeat-interval", "200", "--election-timeout", "2000",
        ]
        if let tls {
            process.arguments? += ["--cert-file", tls.certFile, "--key-file", tls.keyFile,
                                   "--trusted-ca-file", tls.caFile, "--client-cert-auth"]
        }
        process.environment = ["ETCD_UNSUPPORTED_ARCH": ProcessInfo.processInfo.environment["ETCD_UNSUPPORTED_ARCH"] ?? ""]
            .filter { !$0.value.isEmpty }
        if !FileManager.default.fileExists(atPath: member.log) {
            guard FileManager.default.createFile(atPath: member.log, contents: nil) else {
                throw Failure(description: "cannot create \(member.log)")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: member.log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.withLock { $0[index] = process }
    }

    /// A test CA and a member certificate for 127.0.0.1 usable for both server and client auth:
    /// etcd 3.4's JSON gateway dials the member's own gRPC port with that certificate, which
    /// `--client-cert-auth` then checks like any client's.
    private static func memberCertificates(in directory: String) throws -> TestCertificates {
        let ca = try TestCertificates.make(in: URL(fileURLWithPath: directory), name: "etcd")
        let path = { (file: String) in directory + "/member-" + file }
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n".utf8)
            .write(to: URL(fileURLWithPath: path("ext.cnf")))
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("key.pem"), "-out", path("csr.pem"), "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", path("csr.pem"), "-CA", ca.caFile,
                     "-CAkey", ca.caFile.replacingOccurrences(of: "-ca.pem", with: "-ca.key"), "-CAcreateserial",
                     "-out", path("cert.pem"), "-days", "2", "-extfile", path("ext.cnf")])
        return TestCertificates(caFile: ca.caFile, certFile: path("cert.pem"), keyFile: path("key.pem"))
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "openssl \(arguments.prefix(2)) failed") }
    }

    /// Polls `/health` of the given members until each says `"health":"true"`.
    public func waitHealthy(_ indices: [Int], timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if indices.allSatisfy({ isHealthy($0) }) { return }
            for index in indices where processes.withLock({ $0[index]?.isRunning == false }) {
                throw Failure(description: "etcd member \(index) exited: \(logTail(index))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "etcd members \(indices) not healthy within \(timeout): \(indices.map(logTail).joined(separator: "\n"))")
    }

    /// `GET /health` of one member answered `"health":"true"`.
    public func isHealthy(_ index: Int) -> Bool {
        guard let answer = LoopbackHTTP.get(port: members[index].metricsPort, path: "/health") else { return false }
        return answer.contains("\"health\":\"true\"")
    }

    /// SIGKILL to one member (a crash), waiting until it is gone.
    public func kill(_ index: Int) {
        guard let process = processes.withLock({ $0[index] }), process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts a killed member again with its data and ports; does not wait for health.
    public func restart(_ index: Int) throws {
        kill(index)
        try launch(index)
    }

    /// Kills every member; the directory goes with the value.
    public func stop() {
        for index in members.indices { kill(index) }
    }

    deinit { stop() }

    private func logTail(_ index: Int) -> String {
        let text = (try? String(contentsOfFile: members[index].log, encoding: .utf8)) ?? ""
        return "m\(index): " + String(text.suffix(1500))
    }
}

/// A minimal HTTP/1.0 GET on 127.0.0.1 for health probes (no client library in TestSupport).
enum LoopbackHTTP {
    static func get(port: UInt16, path: String, timeoutSeconds: Int = 2) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in.loopback(port: port)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
