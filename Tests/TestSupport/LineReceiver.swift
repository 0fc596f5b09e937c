import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP syslog receiver for tests: accepts connections on 127.0.0.1 and collects LF-framed
/// lines. It can be started late (to test backpressure) and stopped to simulate an outage.
public final class LineReceiver: Sendable {
    private let lines = Mutex<[String]>([])
    private let listener = Mutex<Int32?>(nil)
    /// Accepted connections still open (so that `stop(dropConnections:)` can reset them).
    private let connections = Mutex<Set<Int32>>([])
    public let port: UInt16

    /// Reserves a free port without listening yet (`start()` binds it).
    public init(port: UInt16? = nil) throws {
        self.port = try port ?? FreePort.tcp()
    }

    public var received: [String] { lines.withLock { $0 } }
    public var count: Int { lines.withLock { $0.count } }

    public func start() throws {
        let fd = try LoopbackListener.open(port: port)
        let thread = Thread { [self] in
            acceptLoop(fd: fd)
        }
        listener.withLock { $0 = fd }
        thread.start()
    }

    /// Stops accepting and closes the listener (new connections are refused). With
    /// `dropConnections`, the open connections are shut down too, as a receiver that goes
    /// away entirely: their peers see EOF.
    public func stop(dropConnections: Bool = false) {
        if let fd = listener.withLock({ l -> Int32? in defer { l = nil }; return l }) {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        if dropConnections {
            for fd in connections.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Waits until at least `n` lines arrived or the deadline passes.
    public func waitFor(count n: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if count >= n { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return count >= n
    }

    private func acceptLoop(fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            connections.withLock { _ = $0.insert(client) }
            let t = Thread { [self] in readLoop(fd: client) }
            t.start()
        }
    }

    private func readLoop(fd: Int32) {
        defer {
            connections.withLock { _ = $0.remove(fd) }
            close(fd)
        }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            pending.append(contentsOf: buffer[0..<n])
            var start = 0
            var complete: [String] = []
            while let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                complete.append(String(decoding: pending[start..<nl], as: UTF8.self))
                start = nl + 1
            }
            if start > 0 { pending.removeFirst(start) }
            if !complete.isEmpty { lines.withLock { $0.append(contentsOf: complete) } }
        }
    }
}

extension sockaddr_in {
    static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }
}

extension POSIXError {
    static func current(_ what: String) -> any Error {
        NSError(domain: "posix", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}

/// A listening TCP socket on 127.0.0.1:`port` (SO_REUSEADDR), for the test servers.
public enum LoopbackListener {
    /// - Parameters:
    ///   - receiveBuffer: SO_RCVBUF before listening (accepted sockets inherit it).
    ///   - nonBlocking: `accept` returns at once when nobody is waiting.
    public static func open(port: UInt16, receiveBuffer: Int32? = nil, nonBlocking: Bool = false) throws -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw POSIXError.current("socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            close(fd)
            throw POSIXError.current("setsockopt SO_RCVBUF")
        }
        var addr = sockaddr_in.loopback(port: port)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError.current("bind/listen 127.0.0.1:\(port)")
        }
        return fd
    }
}

/// Free loopback ports for servers a test starts (rsyslog, receivers).
/// A loopback port for a server that another process (rsyslogd, etcd, a daemon's `/metrics`)
/// binds later.
///
/// Chosen below the kernel's ephemeral range (`ip_local_port_range`), never from it: a port
/// the kernel handed out for `bind(0)` here and released could be handed out again to a
/// listener of this process (librdkafka's mock brokers bind port 0), and the other process's
/// later bind would then take it while that listener is briefly closed — the mock broker,
/// re-creating its listener on the same port when set down, aborts the whole test process
/// on EADDRINUSE (seen once in CI).
public enum FreePort {
    public static func tcp() throws -> UInt16 { try find(type: Int32(SOCK_STREAM.rawValue)) }
    public static func udp() throws -> UInt16 { try find(type: Int32(SOCK_DGRAM.rawValue)) }

    /// Ports below the ephemeral range that are tried, at random.
    static let candidates: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        return low > 12_000 ? 10_000..<low : 0..<0
    }()

    private static func find(type: Int32) throws -> UInt16 {
        for _ in 0..<200 {
            guard let port = candidates.randomElement() else { break }
            if try bindable(type: type, port: UInt16(port)) != nil { return UInt16(port) }
        }
        // No range below the ephemeral one (a tuned host): let the kernel choose.
        guard let port = try bindable(type: type, port: 0) else { throw POSIXError.current("bind 127.0.0.1:0") }
        return port
    }

    /// Binds a socket to 127.0.0.1:`port` and closes it; the port bound, or nil when taken.
    private static func bindable(type: Int32, port: UInt16) throws -> UInt16? {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw POSIXError.current("socket") }
        defer { close(fd) }
        var addr = sockaddr_in.loopback(port: port)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        return ok ? UInt16(bigEndian: addr.sin_port) : nil
    }
}
