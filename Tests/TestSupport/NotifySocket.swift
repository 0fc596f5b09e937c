import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fake systemd `NOTIFY_SOCKET`: an AF_UNIX datagram socket bound in a temp directory that
/// records every sd_notify datagram with its arrival time (monotonic), for contract tests.
public final class NotifySocket: Sendable {
    /// One datagram as received, split into its `KEY=value` assignments.
    public struct Message: Sendable {
        public var time: ContinuousClock.Instant
        public var text: String
        public var assignments: [String] { text.split(separator: "\n").map(String.init) }
        public func has(_ assignment: String) -> Bool { assignments.contains(assignment) }
        public func value(_ key: String) -> String? {
            assignments.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
    }

    public let path: String
    private let fd: Int32
    private let log = Mutex<[Message]>([])
    private let onReceive: (@Sendable (String) -> Void)?

    /// Binds `path` (it must not exist; sun_path holds at most 107 bytes). `onReceive` runs on
    /// the receiving thread as each datagram arrives, before the next is read (to check what
    /// is true at that instant, e.g. that the state file exists when READY=1 arrives).
    public init(path: String, onReceive: (@Sendable (String) -> Void)? = nil) throws {
        self.path = path
        self.onReceive = onReceive
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError.current("socket(AF_UNIX)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            Glibc.close(fd)
            throw NSError(domain: "posix", code: Int(ENAMETOOLONG), userInfo: [NSLocalizedDescriptionKey: "socket path too long: \(path)"])
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw POSIXError.current("bind \(path)")
        }
        self.fd = fd
        let thread = Thread { [self] in receiveLoop() }
        thread.start()
    }

    public var messages: [Message] { log.withLock { $0 } }

    /// The first message (at index `from` or later) satisfying `match`, waiting up to `timeout`.
    public func waitFor(timeout: Duration, from: Int = 0, _ match: (Message) -> Bool) async -> (index: Int, message: Message)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let all = messages
            if from < all.count, let i = all[from...].firstIndex(where: match) { return (i, all[i]) }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops receiving (the thread sees the shutdown) and removes the socket file.
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(path)
    }

    private func receiveLoop() {
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            let message = Message(time: .now, text: String(decoding: buffer[0..<n], as: UTF8.self))
            onReceive?(message.text)
            log.withLock { $0.append(message) }
        }
    }
}
