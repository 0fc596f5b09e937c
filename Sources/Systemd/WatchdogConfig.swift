import CSystemd

/// The service watchdog systemd expects (`WatchdogSec=` → `WATCHDOG_USEC`, `WATCHDOG_PID`).
public struct WatchdogConfig: Sendable, Equatable {
    /// systemd's timeout: no ping for this long and the service is restarted.
    public var timeout: Duration
    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) recommends.
    public var pingInterval: Duration

    public init(timeoutMicroseconds: UInt64) {
        let usec = Int64(clamping: timeoutMicroseconds)
        timeout = .microseconds(usec)
        pingInterval = .microseconds(usec / 2)
    }

    /// Reads the watchdog settings via `sd_watchdog_enabled`: nil when no watchdog is set up
    /// for this process (also when `WATCHDOG_PID` names another process); throws when the
    /// variables are malformed. The environment is left as it is.
    public static func fromEnvironment() throws(SystemdError) -> WatchdogConfig? {
        var usec: UInt64 = 0
        let rc = sd_watchdog_enabled(0, &usec)
        if rc < 0 {
            throw SystemdError(
                function: "sd_watchdog_enabled", context: "parse WATCHDOG_USEC/WATCHDOG_PID", errno: -rc)
        }
        guard rc > 0, usec > 0 else { return nil }
        return WatchdogConfig(timeoutMicroseconds: usec)
    }
}
