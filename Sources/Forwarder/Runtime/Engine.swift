import Checkpoint
import Foundation
import Logging
import MDCA
import ServiceLifecycle
import Synchronization
import Systemd
import Outputs
import POSIX

/// The long-lived parts of a running forwarder and the parts rebuilt from each configuration.
///
/// The stream's core (its single source of truth), the state writer and the lock live as
/// long as the process; the scan client, outputs and encoders (`Components`) are rebuilt when
/// SIGHUP brings a valid new configuration. An invalid new file is logged and the old
/// configuration kept (PRODUCT §7).
public final class Engine: Sendable {
    public struct Components: Sendable {
        /// Every enabled stream, in the order a pass runs them (activities, then alerts).
        public var streams: [any StreamRunning]
        public var delivery: Delivery
        /// The configuration generation they were built for (0 at start, +1 each reload).
        public var generation: Int
    }

    /// What a reload does not rebuild: the tenant's request budget and the outputs' health
    /// and counters (PRODUCT §3 "Pacing", §10), the reload counter and the shutdown deadline.
    public final class Lifetime: Sendable {
        public let board = OutputBoard(names: [])
        public let reloads = ConfigGeneration()
        /// Set when SIGTERM arrives; bounds every delivery, flush and close after it.
        public let shutdown: ShutdownDeadline
        let pacer: Pacer

        init(requestsPerMinute: Int, clock: any ForwarderClock) {
            pacer = Pacer(requestsPerMinute: requestsPerMinute, clock: clock)
            shutdown = ShutdownDeadline(clock: clock)
        }

        /// The one pacer of the process, at a configuration's limit: a reload that changes
        /// `requests_per_minute` keeps the requests of the last minute counted.
        func pacer(requestsPerMinute: Int, clock: any PacingClock) -> Pacer {
            pacer.setRequestsPerMinute(requestsPerMinute)
            return pacer
        }
    }

    private struct Live {
        var config: ForwarderConfig
        var components: Components
        var reloaded: Components?
    }

    public let configPath: String
    public let core: ActivityCore
    public let alerts: AlertCore?
    public let writer: StateWriter
    private let environment: [String: String]
    private let mode: ForwarderService.Mode
    private let logger: Logger
    private let notifier: Notifier?
    private let live: Mutex<Live>
    /// Lives as long as the process: pacer, output board, reload counter.
    public let lifetime: Lifetime
    /// Asked before each batch is sent (HA leader lease); lives as long as the process.
    private let permit: any SendPermit

    public init(
        config: ForwarderConfig, configPath: String, environment: [String: String], core: ActivityCore,
        alerts: AlertCore? = nil, writer: StateWriter, mode: ForwarderService.Mode, notifier: Notifier?, logger: Logger,
        permit: any SendPermit = AlwaysPermit(), lifetime: Lifetime? = nil
    ) throws(ForwarderError) {
        self.permit = permit
        // An HA instance passes the process's lifetime to each term's engine: the request
        // budget, the output counters and the reload count outlive a term as they outlive a reload.
        let lifetime = lifetime ?? Lifetime(requestsPerMinute: config.tenant.requestsPerMinute, clock: core.clock)
        self.lifetime = lifetime
        self.configPath = configPath
        self.environment = environment
        self.core = core
        self.alerts = alerts
        self.writer = writer
        self.mode = mode
        self.notifier = notifier
        self.logger = logger
        let components = try Self.build(config: config, environment: environment, core: core, alerts: alerts, writer: writer, mode: mode,
                                        permit: permit, lifetime: lifetime, generation: lifetime.reloads.current, logger: logger)
        live = Mutex(Live(config: config, components: components))
    }

    public var config: ForwarderConfig { live.withLock { $0.config } }
    public var current: Components { live.withLock { $0.components } }

    /// SIGHUP: re-read the configuration; files are reopened in any case (logrotate).
    public func reload() async {
        notifier?.send("RELOADING=1", logger: logger) { try $0.reloading() }
        await current.delivery.reopen()
        do {
            try await adopt(try await Self.loadConfiguration(path: configPath, environment: environment))
        } catch {
            logger.error("configuration reload refused; keeping the previous configuration", error: error)
        }
        notifier?.send("READY=1", logger: logger) { try $0.ready() }
    }

    /// Reads and validates the configuration file off the cooperative pool (it blocks).
    static func loadConfiguration(path: String, environment: [String: String]) async throws(ForwarderError) -> ForwarderConfig {
        try await BlockingQueue(label: "mdca-forwarder.reload").run { () throws(ForwarderError) in
            do throws(ConfigError) {
                return try ConfigLoader.load(path: path, environment: environment)
            } catch {
                throw .config(error)
            }
        }
    }

    /// Builds the components of a new, valid configuration (off the pool: secrets are read)
    /// and hands them to the loop, which takes them at its next step; a retried output is
    /// left for the new one at once. Throws (and changes nothing) when they cannot be built.
    func adopt(_ config: ForwarderConfig) async throws(ForwarderError) {
        let (environment, core, alerts, writer, mode, permit, lifetime, logger) = (environment, core, alerts, writer, mode, permit, lifetime, logger)
        let generation = lifetime.reloads.current + 1
        let components = try await BlockingQueue(label: "mdca-forwarder.reload").run { () throws(ForwarderError) in
            try Self.build(config: config, environment: environment, core: core, alerts: alerts, writer: writer, mode: mode,
                           permit: permit, lifetime: lifetime, generation: generation, logger: logger)
        }
        live.withLock {
            $0.config = config
            $0.reloaded = components
        }
        logger.notice("new configuration accepted; it takes effect at once (a retried output is left for the new one)", metadata: ["config.path": "\(configPath)"])
        lifetime.reloads.advance()
    }

    /// The components of a reload, once; the caller shuts the old ones down.
    func takeReloaded() -> Components? {
        live.withLock { l in
            guard let next = l.reloaded else { return nil }
            l.reloaded = nil
            l.components = next
            return next
        }
    }

    /// Sleeps for `duration` on the core's clock, or until a configuration newer than
    /// `generation` arrives or graceful shutdown starts.
    func waitForNextPollOrShutdown(_ duration: Duration, after generation: Int) async {
        let (clock, reloads) = (core.clock, lifetime.reloads)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await cancelWhenGracefulShutdown { try await clock.sleep(for: duration) } }
            group.addTask { await reloads.wait(past: generation) }
            await group.next()
            group.cancelAll()
        }
    }
}
