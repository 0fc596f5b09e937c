#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A state file (or its lock) could not be read or written. Exit code 74 (EX_IOERR, PRODUCT §5).
public struct StateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A system call failed: its name and `errno`.
        case syscall(name: String, errno: Int32)
        /// The file exists but cannot be used as a state file (empty, truncated, not JSON, ...).
        case unreadable(reason: String)
        /// The file was written by another format version.
        case unsupportedVersion(Int)
        /// Another process holds the state lock.
        case locked(holderPID: Int32?)
    }

    public var kind: Kind
    /// The file the operation was about (state file, temp file, directory or lock file).
    public var path: String

    /// EX_IOERR from sysexits.h, as documented in PRODUCT §5.
    public var exitCode: Int32 { 74 }

    public init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// How to get going again when the file itself is the problem.
    public static let recoveryHint =
        "run `mdca-forwarder checkpoint set --since <ISO-8601|90m|2d>` to start from a chosen point, "
        + "or move the file away to start from initial_lookback"

    public var description: String {
        switch kind {
        case .syscall(let name, let code):
            return "state file I/O error: \(name)(\(path)) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .unreadable(let reason):
            return "state file \(path) is unusable: \(reason); \(Self.recoveryHint)"
        case .unsupportedVersion(let version):
            return "state file \(path) has version \(version), this build reads versions "
                + "\(ForwarderState.readableVersions.lowerBound)–\(ForwarderState.readableVersions.upperBound); \(Self.recoveryHint)"
        case .locked(let pid):
            let holder = pid.map { "pid \($0)" } ?? "unknown pid"
            return "another mdca-forwarder (\(holder)) holds \(path); stop it first "
                + "(e.g. `systemctl stop mdca-forwarder`)"
        }
    }
}
