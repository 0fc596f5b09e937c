#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX

/// `stat(2)` checks for files the configuration names, so that `check-config` (run as
/// `ExecStartPre=`) catches a missing or over-shared secret before the daemon starts.
enum FileChecks {
    /// Why a secret file (token, client secret, private key) cannot be used, or nil when it can.
    /// Any group or other permission bit is refused: readable leaks the secret, writable lets
    /// someone else swap it.
    static func secretFileProblem(_ path: String) -> String? {
        if let problem = regularFileProblem(path) { return problem }
        let info: stat
        do {
            info = try Self.status(path)
        } catch {
            return "cannot be examined (\(String(cString: strerror(error.code))))"
        }
        let mode = info.st_mode & 0o7777
        if mode & 0o077 != 0 {
            return "is accessible by group or others (mode \(octal(mode))); a secret file must be "
                + "0600 or 0400: run `chmod 600 \(path)`"
        }
        return nil
    }

    /// Why a file that must exist cannot be used, or nil when it is a regular file.
    static func regularFileProblem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "expected an absolute path" }
        let info: stat
        do {
            info = try Self.status(path)
        } catch {
            return "\(path) cannot be used: \(String(cString: strerror(error.code)))"
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return "\(path) is not a regular file" }
        return nil
    }

    /// `stat(2)` through the errno gate.
    private static func status(_ path: String) throws(SystemCallError) -> stat {
        var info = stat()
        try systemCall("stat") { stat(path, &info) }
        return info
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
