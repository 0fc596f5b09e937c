import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One of the project's executables run as a real process, as users and systemd run it.
public final class ChildProcess: Sendable {
    /// The directory holding the built executables: next to the test bundle, unless
    /// `MDCA_BIN_DIR` says otherwise.
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["MDCA_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    public static func executable(_ name: String) -> String {
        binDirectory.appendingPathComponent(name).path
    }

    private let process: Process
    private let out = Mutex<[UInt8]>([])
    private let err = Mutex<[UInt8]>([])

    public init(_ name: String, arguments: [String], environment: [String: String] = [:]) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable(name))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // A child of the test must never talk to a real systemd or journald.
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "MDCA_FORWARDER_CONFIG"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
    }

    public func start() throws {
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [self] h in
            let d = h.availableData
            self.out.withLock { $0.append(contentsOf: d) }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [self] h in
            let d = h.availableData
            self.err.withLock { $0.append(contentsOf: d) }
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { out.withLock { String(decoding: $0, as: UTF8.self) } }
    public var stderr: String { err.withLock { String(decoding: $0, as: UTF8.self) } }

    public func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Waits for exit; returns the exit status, or nil (after SIGKILL) on timeout.
    @discardableResult
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                signal(SIGKILL)
                process.waitUntilExit()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        // Let the pipe handlers drain what the child wrote last.
        try? await Task.sleep(for: .milliseconds(50))
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Runs to completion and returns (exit status, stdout, stderr).
    public static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> (status: Int32?, stdout: String, stderr: String) {
        let p = ChildProcess(name, arguments: arguments, environment: environment)
        try p.start()
        let status = await p.wait(timeout: timeout)
        return (status, p.stdout, p.stderr)
    }
}

/// A temporary directory removed when the value goes away.
public final class TempDir: Sendable {
    public let path: String

    public init(_ prefix: String = "mdca-test") throws {
        let template = NSTemporaryDirectory() + "\(prefix)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw POSIXError.current("mkdtemp") }
        path = String(cString: made)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` in the directory with the given mode; returns the path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let p = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        guard chmod(p, mode) == 0 else { throw POSIXError.current("chmod \(p)") }
        return p
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
