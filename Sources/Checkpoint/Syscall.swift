import POSIX

/// The errno gate (``POSIX/systemCall(_:_:)``: EINTR retried, errno read at once) with the
/// failure as a `StateFileError` naming the call and the path.
@discardableResult
func syscall<Result: BinaryInteger>(
    _ name: String, path: String, _ body: () -> Result
) throws(StateFileError) -> Result {
    do throws(SystemCallError) {
        return try systemCall(name, body)
    } catch {
        throw StateFileError(.syscall(name: name, errno: error.code), path: path)
    }
}

/// `close(2)` through the gate (never retried: Linux has already released the descriptor),
/// as a `StateFileError`.
func closeDescriptor(_ fd: Int32, path: String) throws(StateFileError) {
    do throws(SystemCallError) {
        try POSIX.closeDescriptor(fd)
    } catch {
        throw StateFileError(.syscall(name: "close", errno: error.code), path: path)
    }
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
