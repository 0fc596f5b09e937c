#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one gate for C calls in this module: runs `body`, retries on EINTR, and turns `-1`
/// into a `StateFileError` naming the call and the path. `errno` is read immediately after
/// the call, before anything else can overwrite it.
@discardableResult
func syscall<Result: BinaryInteger>(
    _ name: String, path: String, retryOnInterrupt: Bool = true, _ body: () -> Result
) throws(StateFileError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR && retryOnInterrupt { continue }
        throw StateFileError(.syscall(name: name, errno: code), path: path)
    }
}

/// `close(2)` must not be retried on EINTR (Linux has already released the descriptor), and an
/// EINTR from it is not a failure of the write that preceded it (the fsync already succeeded).
func closeDescriptor(_ fd: Int32, path: String) throws(StateFileError) {
    if close(fd) == -1 {
        let code = errno
        if code == EINTR { return }
        throw StateFileError(.syscall(name: "close", errno: code), path: path)
    }
}

/// Closes a descriptor on an error path, where the first error is the one worth reporting.
func closeQuietly(_ fd: Int32) {
    _ = close(fd)
}

/// The directory part of a path ("." when there is none), for the temp file and directory fsync.
func directoryName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last path component.
func baseName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
