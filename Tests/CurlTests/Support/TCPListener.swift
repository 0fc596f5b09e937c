import Glibc

/// A blocking listening TCP socket on 127.0.0.1 with a kernel-chosen port.
final class TCPListener: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestFailure("bind/listen: errno \(errno)")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(descriptor) }

    /// Blocks until a client connects.
    func accept() throws -> Connection {
        let fd = Glibc.accept(descriptor, nil, nil)
        guard fd >= 0 else { throw TestFailure("accept: errno \(errno)") }
        return Connection(descriptor: fd)
    }

    /// A port on which nothing listens: bound, then closed.
    static func unusedPort() throws -> Int {
        let listener = try TCPListener()
        return listener.port
    }
}

/// An accepted connection; closes on deinit unless closed before.
final class Connection {
    private(set) var descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit { close() }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Reads until `count` bytes arrived or the peer closed.
    func read(count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + total, count - total) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw TestFailure("read: errno \(errno)") }
            if n == 0 { break }
            total += n
        }
        return Array(bytes[..<total])
    }

    /// Reads an HTTP request head (through the blank line).
    func readRequestHead() throws -> String {
        var head: [UInt8] = []
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            let byte = try read(count: 1)
            guard let first = byte.first else { break }
            head.append(first)
        }
        return String(decoding: head, as: UTF8.self)
    }

    func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw TestFailure("write: errno \(errno)") }
            written += n
        }
    }
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
