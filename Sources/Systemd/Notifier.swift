import CSystemd
import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// Sends service state to systemd over `NOTIFY_SOCKET` (sd_notify(3)), for `Type=notify` units.
///
/// Each call is one datagram on an AF_UNIX socket: it returns at once unless systemd's receive
/// queue is full, which is why calling it from async code is acceptable.
public struct Notifier: Sendable {
    /// Returns a notifier when `NOTIFY_SOCKET` is set, nil otherwise (not run by systemd, or a
    /// unit type that does not listen). We never guess from the parent process.
    public static func fromEnvironment() -> Notifier? {
        guard let socket = getenv("NOTIFY_SOCKET"), socket.pointee != 0 else { return nil }
        return Notifier()
    }

    private init() {}

    /// `READY=1`: configuration, credentials and state are loaded (also ends a reload).
    @discardableResult
    public func ready() throws(SystemdError) -> Bool { try send("READY=1") }

    /// `RELOADING=1` plus `MONOTONIC_USEC`, which systemd ≥ 253 requires for
    /// `Type=notify-reload` to match the reload with its `READY=1`; older versions ignore it.
    @discardableResult
    public func reloading() throws(SystemdError) -> Bool {
        let now = try Self.monotonicMicroseconds()
        return try send(Self.reloadingMessage(monotonicUsec: now))
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    @discardableResult
    public func stopping() throws(SystemdError) -> Bool { try send("STOPPING=1") }

    /// `STATUS=<line>`, shown by `systemctl status`. Line breaks and other control characters
    /// become spaces: a newline would end the assignment and start a bogus one.
    @discardableResult
    public func status(_ line: String) throws(SystemdError) -> Bool {
        try send(Self.statusMessage(line))
    }

    /// `WATCHDOG=1`: the keep-alive ping; send it every ``WatchdogConfig/pingInterval``.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool { try send("WATCHDOG=1") }

    /// Sends newline-separated assignments verbatim. Returns false when no notification socket
    /// is set (sd_notify returned 0); throws when sending failed.
    @discardableResult
    public func send(_ assignments: String) throws(SystemdError) -> Bool {
        // unset_environment = 0: the variables stay for later calls and child processes.
        let rc = sd_notify(0, assignments)
        if rc < 0 {
            let what = assignments.split(separator: "\n").first.map(String.init) ?? ""
            throw SystemdError(function: "sd_notify", context: "send \(what) to NOTIFY_SOCKET", errno: -rc)
        }
        return rc > 0
    }

    /// The `STATUS=` assignment for one line of text: runs of control characters (CR, LF, tab,
    /// …) and Unicode line/paragraph separators become one space; leading/trailing ones vanish.
    public static func statusMessage(_ line: String) -> String {
        var out = "STATUS="
        var wroteText = false
        var pendingSpace = false
        for scalar in line.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                pendingSpace = true
                continue
            }
            if pendingSpace && wroteText { out.append(" ") }
            pendingSpace = false
            wroteText = true
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// The assignments sent by ``reloading()``.
    public static func reloadingMessage(monotonicUsec: UInt64) -> String {
        "RELOADING=1\nMONOTONIC_USEC=\(monotonicUsec)"
    }

    static func monotonicMicroseconds() throws(SystemdError) -> UInt64 {
        var ts = timespec()
        do throws(SystemCallError) {
            try systemCall("clock_gettime") { clock_gettime(CLOCK_MONOTONIC, &ts) }
        } catch {
            throw SystemdError(function: "clock_gettime", context: "read CLOCK_MONOTONIC", errno: error.code)
        }
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }
}
