import Foundation
import Logging
import ServiceLifecycle
import Systemd

/// Talks to systemd while the daemon runs (PRODUCT §7): STATUS= lines, WATCHDOG=1 at half of
/// WATCHDOG_USEC but only while the pipeline is inside the time it announced for its current
/// step, and STOPPING=1 as soon as graceful shutdown starts. READY=1 is sent by the command
/// once configuration, credentials and state are loaded, before the service group starts.
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

    public func run() async throws {
        let tick = watchdogInterval.map { min($0, statusInterval) } ?? statusInterval
        var lastStatus = ""
        var wedgedReported = false
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let line = status.statusLine()
                if line != lastStatus {
                    notifier.send("STATUS", logger: logger) { try $0.status(line) }
                    lastStatus = line
                }
                if watchdogInterval != nil {
                    if status.isAlive() {
                        notifier.send("WATCHDOG=1", logger: logger) { try $0.watchdog() }
                        wedgedReported = false
                    } else if !wedgedReported {
                        // No ping: systemd will restart us after WatchdogSec. Say why first.
                        logger.critical("pipeline overran its own deadline; withholding watchdog pings", metadata: ["phase": "\(status.snapshot.phase)"])
                        wedgedReported = true
                    }
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            }
        } onGracefulShutdown: { [notifier, logger] in
            notifier.send("STOPPING=1", logger: logger) { try $0.stopping() }
        }
    }
}
