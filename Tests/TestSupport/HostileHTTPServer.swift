import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with a head and a body it
/// streams in chunks, for hostile answers (endless, compressed bombs) that must never be held
/// in the test's own memory. One connection at a time; each is closed after its answer.
public final class HostileHTTPServer: Sendable {
    public let port: UInt16
    private let listener: Int32
    private let requests = Atomic<Int>(0)

    /// `head` is the status line and headers (without the blank line); `chunk(i)` is the
    /// body's i-th piece, nil when done; writing stops early when the client goes away.
    public init(head: String, chunk: @escaping @Sendable (_ index: Int) -> [UInt8]?) throws {
        port = try FreePort.tcp()
        let fd = try LoopbackListener.open(port: port)
        listener = fd
        let headBytes = Array((head + "\r\nConnection: close\r\n\r\n").utf8)
        Thread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else {
                    if errno == EINTR { continue }
                    return   // the listener was closed
                }
                self.requests.add(1, ordering: .relaxed)
                Self.readRequest(connection)
                var ok = Self.write(connection, headBytes)
                var index = 0
                while ok, let piece = chunk(index) {
                    ok = Self.write(connection, piece)
                    index += 1
                }
                shutdown(connection, Int32(SHUT_RDWR))
                close(connection)
            }
        }.start()
    }

    /// Requests answered so far.
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Reads the head and a Content-Length body (the request is not looked at).
    private static func readRequest(_ fd: Int32) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            data += buffer[..<n]
            guard let end = data.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - end.upperBound >= length { return }
        }
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}

/// The peak resident set (`VmHWM`, KiB) of a running process, or nil once it is gone.
public func peakRSSKiB(pid: Int32) -> Int? { procStatusKiB(pid: pid, "VmHWM") }

/// The resident set now (`VmRSS`, KiB) of a running process, or nil once it is gone.
public func residentKiB(pid: Int32) -> Int? { procStatusKiB(pid: pid, "VmRSS") }

/// A `kB` field of `/proc/<pid>/status`.
private func procStatusKiB(pid: Int32, _ field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
