#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX
import Synchronization

/// An exclusive advisory lock on `<state>.lock`, so that `checkpoint set` (or a second daemon)
/// refuses to touch a state file a running daemon owns.
///
/// `flock(2)` locks belong to the open file description, so the kernel releases the lock when
/// the holder exits, even after `kill -9`: a stale lock file never blocks a restart. The
/// holder's pid is written into the file only to name it in the error message.
public final class StateLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Mutex<Int32?>

    /// Takes the lock for the state file at `statePath`, or throws `StateFileError` with
    /// `.locked(holderPID:)` when another process (or another `StateLock`) holds it.
    /// Blocking (opens and writes a file): call it off the cooperative pool.
    public init(statePath: String) throws(StateFileError) {
        let path = statePath + ".lock"
        self.path = path
        let fd = try syscall("open", path: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        do {
            try syscall("flock", path: path) { flock(fd, LOCK_EX | LOCK_NB) }
        } catch {
            let holder = Self.readPID(fd)
            closeQuietly(fd)
            if case .syscall(_, let code) = error.kind, code == EWOULDBLOCK {
                throw StateFileError(.locked(holderPID: holder), path: path)
            }
            throw error
        }
        do {
            try syscall("ftruncate", path: path) { ftruncate(fd, 0) }
            let pid = Array("\(getpid())\n".utf8)
            var offset = 0
            while offset < pid.count {
                let written = try syscall("pwrite", path: path) {
                    pid[offset...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
                }
                offset += written
            }
        } catch {
            closeQuietly(fd)
            throw error
        }
        descriptor = Mutex(fd)
    }

    /// Releases the lock (idempotent). The lock file stays: removing it would race with a
    /// process that opened it and is waiting to lock it.
    public func close() {
        let fd = descriptor.withLock { fd -> Int32? in
            defer { fd = nil }
            return fd
        }
        // The descriptor is gone even when close reports an error; nothing else to do.
        if let fd { closeQuietly(fd) }
    }

    deinit {
        close()
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(String(text.prefix(while: \.isNumber)))
    }
}
