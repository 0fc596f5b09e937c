import Foundation
import Logging
import ServiceLifecycle
import Systemd

/// Talks to systemd while the daemon runs (PRODUCT §7): STATUS= lines, WATCHDOG=1 at half of
/// WATCHDOG_USEC but only while the pipeline is inside the time it announced for its current
/// step, and STOPPING=1 as soon as graceful shutdown starts. READY=1 is its first act: the
/// command built this service only after configuration, credentials and state were loaded,
/// and inside the running group SIGTERM is already trapped, so a `systemctl stop` right
/// after READY=1 gets a graceful stop, never the default action.
public final class SystemdService: Service, Sendable {
    private let notifier: Notifier
    private let status: StatusBoard
    private let watchdogInterval: Duration?
    private let logger: Logger
    /// STATUS= is refreshed this often even without a watchdog.
    private let statusInterval: Duration

    public init(notifier: Notifier, status: StatusBoard, watchdogInterval: Duration?, logger: Logger, statusInterval: Duration = .seconds(5)) {
        self.notifier = notifier
        self.status = status
        self.watchdogInterval = watchdogInterval
        self.logger = logger
        self.statusInterval = statusInterval
    }

    /// What one tick of the loop sends and logs; a pure decision, tested without a socket.
    struct Tick: Equatable {
        /// The STATUS= text, when it changed since the last one sent.
        var status: String?
        /// Whether to send WATCHDOG=1.
        var ping: Bool
        /// Whether to log, once per wedge, that pings are withheld.
        var reportWedged: Bool
    }

    /// Decides one tick: STATUS only on change; WATCHDOG=1 only while a watchdog is set up and
    /// the pipeline is inside the deadline it announced; the wedge is reported once.
    static func tick(
        status: StatusBoard, watchdog: Bool, lastStatus: String, wedgedReported: Bool,
        now: ContinuousClock.Instant = .now, date: Date = Date()
    ) -> Tick {
        let line = status.statusLine(now: date)
        let alive = status.isAlive(at: now)
        return Tick(status: line == lastStatus ? nil : line,
                    ping: watchdog && alive,
                    reportWedged: watchdog && !alive && !wedgedReported)
    }

    public func run() async throws {
        notifier.send("READY=1", logger: logger) { try $0.ready() }
        let tick = watchdogInterval.map { min($0, statusInterval) } ?? statusInterval
        var lastStatus = ""
        var wedgedReported = false
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let step = Self.tick(status: status, watchdog: watchdogInterval != nil,
                                     lastStatus: lastStatus, wedgedReported: wedgedReported)
                if let line = step.status {
                    notifier.send("STATUS", logger: logger) { try $0.status(line) }
                    lastStatus = line
                }
                if step.ping {
                    notifier.send("WATCHDOG=1", logger: logger) { try $0.watchdog() }
                    wedgedReported = false
                } else if step.reportWedged {
                    // No ping: systemd will restart us after WatchdogSec. Say why first.
                    logger.critical("pipeline overran its own deadline; withholding watchdog pings", metadata: ["phase": "\(status.snapshot.phase)"])
                    wedgedReported = true
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            }
        } onGracefulShutdown: { [notifier, logger] in
            notifier.send("STOPPING=1", logger: logger) { try $0.stopping() }
        }
    }
}
