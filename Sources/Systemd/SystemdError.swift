#if canImport(Glibc)
import Glibc
#endif

/// A libsystemd or libc call failed. Carries the call, what it was doing and the errno.
public struct SystemdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `sd_notify`.
    public var function: String
    /// What the call was for, e.g. `"send READY=1"`.
    public var context: String
    /// The positive errno (libsystemd returns `-errno`).
    public var errno: Int32

    public init(function: String, context: String, errno: Int32) {
        self.function = function
        self.context = context
        self.errno = errno
    }

    public var description: String {
        "\(function) failed to \(context): \(Self.errnoText(errno)) (errno \(errno))"
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }
}
