#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed POSIX call: which call (with what it worked on) and `errno`, read immediately
/// after the call returned.
public struct SystemCallError: Error, Sendable, Equatable {
    /// The call and its context, e.g. `open /var/log/mdca.log`.
    public var call: String
    /// The `errno` value.
    public var code: Int32

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// `strerror` text and the number, e.g. `Connection refused (errno 111)`.
    public var text: String { "\(String(cString: strerror(code))) (errno \(code))" }
}

/// The errno gate for POSIX calls that return -1 on failure: runs `body`, retries it on
/// EINTR, and turns -1 into a ``SystemCallError`` naming `call`. `errno` is read before
/// anything else can overwrite it. Callers that handle a code themselves (EAGAIN, ENOENT)
/// catch it by `code`.
///
/// Not for `close(2)`: Linux releases the descriptor even when close reports EINTR, so a
/// retry could close a descriptor another thread has just opened (see ``closeDescriptor(_:)``).
@discardableResult
@inlinable
public func systemCall<Result: BinaryInteger>(
    _ call: @autoclosure () -> String, _ body: () -> Result
) throws(SystemCallError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(call: call(), code: code)
    }
}

/// As ``systemCall(_:_:)`` for calls that return a pointer, NULL on failure (opendir).
@inlinable
public func systemCall<Pointer>(
    _ call: @autoclosure () -> String, _ body: () -> Pointer?
) throws(SystemCallError) -> Pointer {
    while true {
        if let result = body() { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(call: call(), code: code)
    }
}

/// `close(2)`, never retried: an EINTR from it is not a failure (the descriptor is gone and
/// what was written before is unaffected); any other error is reported.
public func closeDescriptor(_ fd: Int32) throws(SystemCallError) {
    if close(fd) == -1 {
        let code = errno
        if code == EINTR { return }
        throw SystemCallError(call: "close", code: code)
    }
}

/// Closes a descriptor on an error path or where nothing could be retried: the descriptor is
/// released either way, and the first error is the one worth reporting.
public func closeQuietly(_ fd: Int32) {
    _ = close(fd)
}
