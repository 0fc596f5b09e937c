#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX

/// Socket types as plain Int32 (Glibc imports them as an enum).
let streamSocket = Int32(SOCK_STREAM.rawValue)
let datagramSocket = Int32(SOCK_DGRAM.rawValue)

/// Runs `body` on the bytes of `bytes`, keeping its typed error (`withUnsafeBytes` rethrows
/// untyped).
func withBytes<E: Error>(
    _ bytes: ArraySlice<UInt8>, _ body: (UnsafeRawBufferPointer) throws(E) -> Void
) throws(E) {
    let result: Result<Void, E> = bytes.withUnsafeBytes { raw in
        do throws(E) {
            try body(raw)
            return Result<Void, E>.success(())
        } catch {
            return Result<Void, E>.failure(error)
        }
    }
    try result.get()
}

/// The one place that wraps POSIX socket calls. Every call goes through the errno gate
/// (``POSIX/systemCall(_:_:)``), which turns -1 into a ``SystemCallError``. Not thread-safe:
/// owned by one output's queue.
final class Socket {
    private(set) var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    func close() {
        if fd >= 0 {
            closeQuietly(fd) // close(2) errors leave nothing to retry (the fd is gone either way)
            fd = -1
        }
    }

    /// Resolved addresses of `host:port` for `type` (SOCK_STREAM / SOCK_DGRAM), IPv4 and IPv6.
    struct Address {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t
        var text: String
    }

    static func resolve(host: String, port: Int, type: Int32) throws(SystemCallError) -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = type
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let code = rc == EAI_SYSTEM ? errno : 0
            throw SystemCallError(call: "getaddrinfo: \(String(cString: gai_strerror(rc)))", code: code)
        }
        defer { freeaddrinfo(first) }
        var result: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let addr = info.pointee.ai_addr {
                var storage = sockaddr_storage()
                let length = info.pointee.ai_addrlen
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(length)))
                }
                result.append(Address(family: info.pointee.ai_family, storage: storage, length: length,
                                      text: numericHost(storage, length) + ":\(port)"))
            }
            cursor = info.pointee.ai_next
        }
        return result
    }

    private static func numericHost(_ storage: sockaddr_storage, _ length: socklen_t) -> String {
        var storage = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard rc == 0 else { return "?" }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A non-blocking socket connected to `address` within `timeout` milliseconds.
    static func connect(_ address: Address, type: Int32, timeoutMs: Int32) throws(SystemCallError) -> Socket {
        let fd = try systemCall("socket") {
            Glibc.socket(address.family, type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        let socket = Socket(fd: fd)
        var storage = address.storage
        do throws(SystemCallError) {
            try systemCall("connect") {
                withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
                }
            }
            return socket
        } catch where error.code == EINPROGRESS || error.code == EALREADY {
            // Non-blocking connect (EALREADY: the gate retried one interrupted by a signal):
            // wait for writability, then read the outcome from SO_ERROR.
        }
        guard try socket.poll(events: Int16(POLLOUT), timeoutMs: timeoutMs) else {
            throw SystemCallError(call: "connect (timed out after \(timeoutMs) ms)", code: ETIMEDOUT)
        }
        try socket.throwPendingError(call: "connect")
        return socket
    }

    /// Throws the socket's pending asynchronous error (SO_ERROR, which reading clears), e.g. the
    /// ECONNREFUSED of an ICMP port-unreachable answer to a datagram sent on a connected socket.
    func throwPendingError(call: String) throws(SystemCallError) {
        try Self.throwPendingError(fd, call: call)
    }

    static func throwPendingError(_ fd: Int32, call: String) throws(SystemCallError) {
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try systemCall("getsockopt(SO_ERROR)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) }
        if soError != 0 { throw SystemCallError(call: call, code: soError) }
    }

    /// Waits until `events` are ready. False on timeout. Retries EINTR.
    func poll(events: Int16, timeoutMs: Int32) throws(SystemCallError) -> Bool {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        return try systemCall("poll") { Glibc.poll(&pfd, 1, timeoutMs) } > 0
    }

    /// True when the receiver closed the connection (EOF or reset); never blocks. Data the
    /// receiver sent (syslog receivers send none) is left unread.
    func isPeerClosed() -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        do throws(SystemCallError) {
            if try systemCall("poll", { Glibc.poll(&pfd, 1, 0) }) == 0 { return false }
            if pfd.revents & Int16(POLLERR | POLLHUP) != 0 { return true }
            var byte: UInt8 = 0
            return try systemCall("recv") { recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) } == 0
        } catch {
            return error.code != EAGAIN && error.code != EWOULDBLOCK
        }
    }

    /// Writes every byte, waiting up to `timeoutMs` for the socket to accept more each time it
    /// is full (a receiver that stopped reading is an error, not a hang).
    func sendAll(_ bytes: UnsafeRawBufferPointer, timeoutMs: Int32) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            do throws(SystemCallError) {
                offset += try systemCall("send") {
                    Glibc.send(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
                }
            } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
                guard try poll(events: Int16(POLLOUT), timeoutMs: timeoutMs) else {
                    throw SystemCallError(call: "send (receiver accepted nothing for \(timeoutMs) ms)", code: ETIMEDOUT)
                }
            }
        }
    }

    /// Waits until the receiving host's TCP stack acknowledged every byte written so far.
    func waitUntilAcknowledged(timeoutMs: Int32) throws(SystemCallError) {
        try Self.waitUntilAcknowledged(fd, timeoutMs: timeoutMs)
    }

    /// Waits until the unacknowledged byte count of the TCP socket `fd` (SIOCOUTQ, which
    /// counts bytes sent but not acknowledged plus bytes not sent yet) is 0; fails when it
    /// makes no progress for `timeoutMs` (a receiver that stopped reading) or the connection
    /// was reset or closed meanwhile (a reset empties the queue too, so drained alone proves
    /// nothing). Sleeps in poll(2) with no events, which still wakes at once on POLLERR and
    /// POLLHUP; the pause grows from 1 ms to 20 ms so that a fast receiver costs about a
    /// millisecond per batch and a slow one few wake-ups.
    static func waitUntilAcknowledged(_ fd: Int32, timeoutMs: Int32) throws(SystemCallError) {
        let clock = ContinuousClock()
        let patience = Duration.milliseconds(timeoutMs)
        var deadline = clock.now.advanced(by: patience)
        var lowest = Int32.max
        var pause: Int32 = 1
        while true {
            var pending: Int32 = 0
            // SIOCOUTQ and TIOCOUTQ are the same request on Linux.
            try systemCall("ioctl(SIOCOUTQ)") { ioctl(fd, UInt(TIOCOUTQ), &pending) }
            var pfd = pollfd(fd: fd, events: 0, revents: 0)
            let wait = pending == 0 ? 0 : pause
            try systemCall("poll") { Glibc.poll(&pfd, 1, wait) }
            if pfd.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                let call = "send (the connection ended before the receiver acknowledged the batch)"
                try throwPendingError(fd, call: call)
                throw SystemCallError(call: call, code: ECONNRESET)
            }
            if pending == 0 { return }
            let now = clock.now
            if pending < lowest {
                lowest = pending
                deadline = now.advanced(by: patience)
            } else if now >= deadline {
                throw SystemCallError(
                    call: "send (\(pending) bytes not acknowledged by the receiver for \(timeoutMs) ms; it is not reading)",
                    code: ETIMEDOUT)
            }
            pause = min(pause * 2, 20)
        }
    }

    /// Sends one datagram, waiting up to `timeoutMs` while the send buffer is full.
    func sendDatagram(_ bytes: UnsafeRawBufferPointer, timeoutMs: Int32) throws(SystemCallError) {
        while true {
            do throws(SystemCallError) {
                try systemCall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
                return
            } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
                guard try poll(events: Int16(POLLOUT), timeoutMs: timeoutMs) else {
                    throw SystemCallError(call: "send (socket buffer full for \(timeoutMs) ms)", code: ETIMEDOUT)
                }
            }
        }
    }
}

@available(*, unavailable)
extension Socket: Sendable {}

/// Milliseconds for poll(2), clamped to what it accepts.
func pollMilliseconds(_ duration: Duration) -> Int32 {
    let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return Int32(clamping: max(ms, 0))
}

/// POSIX file descriptor calls for the file and stdout outputs (the same errno gate).
enum Descriptor {
    /// Opens `path` for appending, creating it with mode 0640 (readable by a log-reading
    /// group, never by everyone).
    static func openAppend(_ path: String) throws(SystemCallError) -> Int32 {
        try systemCall("open \(path)") { open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode_t(0o640)) }
    }

    /// Which file a path or descriptor names: device and inode.
    struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    /// The identity of the file at `path`; nil when nothing is there (ENOENT, ENOTDIR).
    static func identity(ofPath path: String) throws(SystemCallError) -> FileIdentity? {
        var info = stat()
        do throws(SystemCallError) {
            try systemCall("stat \(path)") { stat(path, &info) }
        } catch where error.code == ENOENT || error.code == ENOTDIR {
            return nil
        }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func identity(of fd: Int32) throws(SystemCallError) -> FileIdentity {
        var info = stat()
        try systemCall("fstat") { fstat(fd, &info) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// How many names the open file has (0: deleted).
    static func linkCount(_ fd: Int32) throws(SystemCallError) -> Int {
        var info = stat()
        try systemCall("fstat") { fstat(fd, &info) }
        return Int(info.st_nlink)
    }

    /// `mkdir -p` with mode 0750 for each directory it creates.
    static func makeDirectories(_ path: String) throws(SystemCallError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            do throws(SystemCallError) {
                try systemCall("create directory \(prefix)") { mkdir(prefix, mode_t(0o750)) }
            } catch where error.code == EEXIST {
                continue
            }
        }
    }

    /// Writes every byte (retrying short writes and EINTR).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            offset += try systemCall("write") { write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset) }
        }
    }

    static func close(_ fd: Int32) {
        closeQuietly(fd) // nothing to retry: the descriptor is released either way
    }
}
