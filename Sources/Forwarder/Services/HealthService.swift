import Foundation
import Logging
import ServiceLifecycle
import Systemd

/// Shows the core's health to the outside while the daemon runs (PRODUCT §7): STATUS= lines,
/// WATCHDOG=1 at half of WATCHDOG_USEC but only while the stream is inside the time it
/// announced for its current step, STOPPING=1 as soon as graceful shutdown starts, and a
/// state-file write whenever the current problem changes (so that `mdca-forwarder status`,
/// which reads only the file, names it even while a retry wait holds the pass).
///
/// READY=1 is its first act: the command built this service only after configuration,
/// credentials and state were loaded, and inside the running group SIGTERM is already
/// trapped, so a `systemctl stop` right after READY=1 gets a graceful stop.
public final class HealthService: Service, Sendable {
    private let notifier: Notifier?
    /// One core per stream; STATUS= joins their lines, the watchdog needs all of them alive.
    private let cores: [any StreamHealth]
    private let writer: StateWriter
    private let watchdogInterval: Duration?
    private let logger: Logger
    /// STATUS= is refreshed and the problem checked this often even without a watchdog.
    private let statusInterval: Duration

    public init(
        notifier: Notifier?, cores: [any StreamHealth], writer: StateWriter, watchdogInterval: Duration?, logger: Logger,
        statusInterval: Duration = .seconds(1)
    ) {
        self.notifier = notifier
        self.cores = cores
        self.writer = writer
        self.watchdogInterval = notifier == nil ? nil : watchdogInterval
        self.logger = logger
        self.statusInterval = statusInterval
    }

    /// What one tick sends, logs and writes; a pure decision over the core's snapshot.
    struct Tick: Equatable {
        /// The STATUS= text, when it changed since the last one sent.
        var status: String?
        /// Whether to send WATCHDOG=1.
        var ping: Bool
        /// Whether to log, once per wedge, that pings are withheld.
        var reportWedged: Bool
        /// Whether the problem changed since the state file last showed it.
        var persistProblem: Bool
    }

    struct Memory: Equatable {
        var status = ""
        var wedgedReported = false
        var problems: [String?] = []
    }

    static func tick(cores: [any StreamHealth], watchdog: Bool, memory: inout Memory) -> Tick {
        // One stream: its line as is; several: each prefixed with its name.
        let line = cores.count == 1
            ? cores[0].statusLine(now: cores[0].clock.wall)
            : cores.map { "\($0.stream.rawValue): \($0.statusLine(now: $0.clock.wall))" }.joined(separator: "; ")
        let alive = cores.allSatisfy { $0.isAlive(at: $0.clock.now) }
        let problems = cores.map { $0.health.problem?.text }
        let tick = Tick(
            status: line == memory.status ? nil : line,
            ping: watchdog && alive,
            reportWedged: watchdog && !alive && !memory.wedgedReported,
            persistProblem: memory.problems != problems)
        memory.status = line
        if tick.ping { memory.wedgedReported = false }
        if tick.reportWedged { memory.wedgedReported = true }
        if tick.persistProblem { memory.problems = problems }
        return tick
    }

    public func run() async throws {
        notifier?.send("READY=1", logger: logger) { try $0.ready() }
        let interval = watchdogInterval.map { min($0, statusInterval) } ?? statusInterval
        var memory = Memory(problems: cores.map { $0.health.problem?.text })
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let step = Self.tick(cores: cores, watchdog: watchdogInterval != nil, memory: &memory)
                if let line = step.status {
                    notifier?.send("STATUS", logger: logger) { try $0.status(line) }
                }
                if step.ping {
                    notifier?.send("WATCHDOG=1", logger: logger) { try $0.watchdog() }
                } else if step.reportWedged {
                    // No ping: systemd will restart us after WatchdogSec. Say why first.
                    let wedged = cores.filter { !$0.isAlive(at: $0.clock.now) }
                    logger.critical("stream overran the time it announced; withholding watchdog pings", metadata: [
                        "stream": "\(wedged.map(\.stream.rawValue).joined(separator: ","))",
                        "phase": "\(wedged.map { $0.health.phase }.joined(separator: "; "))",
                    ])
                }
                if step.persistProblem, let error = await writer.persistQuietly() {
                    logger.error("cannot record the current problem in the state file", error: error)
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } onGracefulShutdown: { [notifier, logger] in
            notifier?.send("STOPPING=1", logger: logger) { try $0.stopping() }
        }
    }
}
