import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waits for `condition` with a deadline, checking every few milliseconds (the awaited events
/// happen in other processes or kernel buffers, which offer nothing to await directly).
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}

struct TestSocketError: Error, CustomStringConvertible {
    var description: String
    init(_ call: String) { description = "\(call): \(String(cString: strerror(errno)))" }
}

/// A bound IPv4 loopback socket (port 0 = any free port).
func boundLoopbackSocket(type: Int32, port: Int = 0, receiveBuffer: Int32? = nil) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestSocketError("socket") }
    var one: Int32 = 1
    guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
        throw TestSocketError("setsockopt")
    }
    if var size = receiveBuffer {
        guard setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw TestSocketError("setsockopt(SO_RCVBUF)")
        }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { close(fd); throw TestSocketError("bind") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { close(fd); throw TestSocketError("getsockname") }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A free loopback port (bound, then released; good enough for tests).
func freePort(type: Int32 = Int32(SOCK_STREAM.rawValue)) throws -> Int {
    let (fd, port) = try boundLoopbackSocket(type: type)
    close(fd)
    return port
}

/// A TCP receiver on 127.0.0.1 that records the bytes of each accepted connection, on its own
/// threads. `reading: false` accepts but never reads (a stuck receiver).
final class TCPReceiver: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [[UInt8]] = []
    private var descriptors: [Int32] = []

    init(port: Int = 0, reading: Bool = true, receiveBuffer: Int32? = nil) throws {
        let (fd, bound) = try boundLoopbackSocket(type: Int32(SOCK_STREAM.rawValue), port: port, receiveBuffer: receiveBuffer)
        guard listen(fd, 16) == 0 else { close(fd); throw TestSocketError("listen") }
        listener = fd
        self.port = bound
        Thread.detachNewThread { [self] in acceptLoop(reading: reading) }
    }

    private func acceptLoop(reading: Bool) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return } // listener closed
            let index = lock.withLock {
                connections.append([])
                descriptors.append(client)
                return connections.count - 1
            }
            if reading { Thread.detachNewThread { [self] in readLoop(client, index) } }
        }
    }

    private func readLoop(_ fd: Int32, _ index: Int) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            lock.withLock { connections[index] += chunk[..<n] }
        }
    }

    /// Bytes received per connection, in accept order.
    var received: [[UInt8]] { lock.withLock { connections } }
    var all: [UInt8] { received.flatMap { $0 } }

    /// Closes the accepted connections (the receiver "restarts" its side).
    func dropConnections() {
        lock.withLock {
            for fd in descriptors where fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
            descriptors = descriptors.map { _ in -1 }
        }
    }

    func stop() {
        dropConnections()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A UDP receiver on 127.0.0.1 recording each datagram.
final class UDPReceiver: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var datagrams: [[UInt8]] = []

    init(port: Int = 0) throws {
        (fd, self.port) = try boundLoopbackSocket(type: Int32(SOCK_DGRAM.rawValue), port: port, receiveBuffer: 4 << 20)
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 70000)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n >= 0 else { return }
                if n == 0 && lock.withLock({ stopped }) { return }
                lock.withLock { datagrams.append(Array(buffer[..<n])) }
            }
        }
    }

    private var stopped = false
    var received: [[UInt8]] { lock.withLock { datagrams } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
