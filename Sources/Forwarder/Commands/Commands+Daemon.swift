import Checkpoint
import Foundation
import Logging
import MDCA
import ServiceLifecycle
import Systemd
import Outputs
import POSIX

/// The bodies of the CLI's subcommands. Each returns the process exit code (PRODUCT §5) and
/// prints one clear line on failure; `main` only parses arguments.
public enum Commands {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func fail(_ error: some Error & CustomStringConvertible, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data("mdca-forwarder: \(SecretScrubber.shared.scrub("\(error)"))\n".utf8))
        return code
    }

    static func loadConfig(_ path: String?, checkSecrets: Bool = true) -> Result<(ForwarderConfig, String), ForwarderError> {
        let path = path ?? ConfigLoader.defaultPath(environment: environment)
        do {
            return .success((try ConfigLoader.load(path: path, environment: environment, checkSecrets: checkSecrets), path))
        } catch {
            return .failure(.config(error))
        }
    }

    /// `run` and `once`.
    public static func daemon(configPath: String?, mode: ForwarderService.Mode) async -> Int32 {
        // Before any page is read: the allocator settings that keep the resident size flat
        // over months (`Heap`).
        let refusedHeapSettings = Heap.configure()
        let config: ForwarderConfig
        let path: String
        switch loadConfig(configPath) {
        case .success(let loaded): (config, path) = loaded
        case .failure(let error): return fail(error, code: error.exitCode)
        }
        var logger = Logger(label: "mdca-forwarder")
        logger.logLevel = config.log.level
        if !refusedHeapSettings.isEmpty {
            logger.warning("the C allocator refused a setting; memory freed after large pages may stay resident",
                           metadata: ["settings": "\(refusedHeapSettings.joined(separator: ", "))"])
        }
        if let etcd = config.state.etcd { return await haDaemon(config: config, path: path, etcd: etcd, mode: mode, logger: logger) }

        do {
            let lock: StateLock
            do {
                lock = try StateLock(statePath: config.state.path)
            } catch {
                throw ForwarderError.state(error)
            }
            defer { lock.close() }
            let clock = SystemForwarderClock()
            let (core, alerts, writer) = try await openState(config: config, clock: clock, logger: logger)
            let cores: [any StreamHealth] = [core] + (alerts.map { [$0] } ?? [])
            let notifier = Notifier.fromEnvironment()
            let engine = try Engine(config: config, configPath: path, environment: environment, core: core,
                                    alerts: alerts, writer: writer, mode: mode, notifier: notifier, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: ForwarderService(mode: mode, engine: engine, logger: logger),
                      successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ]
            if mode == .run {
                services.append(.init(service: await ReloadService(engine: engine, logger: logger)))
            }
            if mode == .run || notifier != nil {
                services.append(.init(service: HealthService(
                    notifier: notifier, cores: cores, writer: writer, watchdogInterval: watchdogInterval(logger: logger), logger: logger)))
            }
            if let metrics = config.metrics {
                let exporter = MetricsExporter(cores: cores, engine: engine, writer: writer)
                services.append(.init(service: try await MetricsService.start(listen: metrics, exporter: exporter, logger: logger)))
            }
            var groupConfig = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Below the units' TimeoutStopSec=20s: escalate to cancellation before systemd kills.
            // Every delivery, flush and close after SIGTERM ends by ShutdownDeadline.budget (7 s),
            // inside this limit, leaving time for the final checkpoint.
            groupConfig.maximumGracefulShutdownDuration = .seconds(10)
            logger.notice("mdca-forwarder started", metadata: [
                "mode": "\(mode)", "config.path": "\(path)", "state.path": "\(config.state.path)",
                "cursor": "\(ISO8601.string(ms: core.committed.createdMs))",
            ])
            try await ServiceGroup(configuration: groupConfig).run()
            try await persistFinal(writer)
            logger.notice("mdca-forwarder stopped", metadata: ["forwarded": "\(core.forwardedTotal)"])
            return 0
        } catch let error as ForwarderError {
            // One line on stderr (the journal, under systemd), not a log entry as well.
            return fail(error, code: error.exitCode)
        } catch {
            return fail(ForwarderError.other("\(error)"), code: 1)
        }
    }

    /// Loads the state file, or creates it on first start (PRODUCT §3 "First start") and
    /// persists it at once, so a crash before the first checkpoint does not move the start.
    static func openState(
        config: ForwarderConfig, clock: any ForwarderClock, logger: Logger
    ) async throws(ForwarderError) -> (ActivityCore, AlertCore?, StateWriter) {
        let file = StateFile(path: config.state.path)
        try await BlockingQueue(label: "mdca-forwarder.state.open").run { () throws(ForwarderError) in
            do throws(StateFileError) {
                try file.removeStaleTempFiles()
            } catch {
                throw .state(error)
            }
        }
        return try await openState(config: config, clock: clock, logger: logger, store: StateFileStore(file: file))
    }

    /// The cores and their writer from whatever `store` holds (the state file, or the etcd
    /// checkpoint of an HA leader); a first start is persisted at once.
    static func openState(
        config: ForwarderConfig, clock: any ForwarderClock, logger: Logger, store: any CheckpointStore
    ) async throws(ForwarderError) -> (ActivityCore, AlertCore?, StateWriter) {
        let existing: ForwarderState?
        do throws(CheckpointError) {
            existing = try await store.load()
        } catch {
            throw ForwarderError(error)
        }
        let allowance = Engine.requestAllowance(config)
        let nowMs = clock.wallMs
        let activities: ActivityCore
        if let existing {
            activities = ActivityCore(
                stream: .activities, position: existing.cursor, totals: LifetimeTotals(existing.counters),
                lastSuccess: existing.lastSuccessfulPoll,
                lastError: existing.counters.lastError.map { ($0, existing.counters.lastErrorAt) },
                clock: clock, requestAllowance: allowance, logger: logger)
        } else {
            let cursor = Cursor.start(nowMs: nowMs, lookbackMs: DurationText.milliseconds(of: config.activities.initialLookback))
            logger.notice("no state file: first start", metadata: [
                "state.path": "\(store.location)", "cursor": "\(ISO8601.string(ms: cursor.createdMs))",
            ])
            activities = ActivityCore(stream: .activities, position: cursor, clock: clock, requestAllowance: allowance, logger: logger)
        }
        var alerts: AlertCore?
        if config.alerts.enabled {
            let stored = existing?.alerts
            var position = AlertPosition(cursor: stored?.cursor ?? .start(nowMs: nowMs, lookbackMs: config.alerts.initialLookbackMs),
                                         closures: stored?.closures)
            if config.alerts.resolutions, position.closures == nil { position.closures = position.cursor }
            if stored == nil {
                logger.notice("alerts: first start", metadata: ["cursor": "\(ISO8601.string(ms: position.cursor.timestampMs))"])
            }
            alerts = AlertCore(
                stream: .alerts, position: position, totals: stored.map { LifetimeTotals($0.counters) } ?? LifetimeTotals(),
                lastSuccess: stored?.lastSuccessfulPoll,
                lastError: stored?.counters.lastError.map { ($0, stored?.counters.lastErrorAt) },
                clock: clock, requestAllowance: allowance, logger: logger)
        }
        let writer = StateWriter(store: store, activities: activities, alerts: alerts, dormantAlerts: alerts == nil ? existing?.alerts : nil)
        if existing == nil || (alerts != nil && existing?.alerts == nil) {
            // Persisted at once, so a crash before the first checkpoint does not move the start.
            try await persistFinal(writer)
        }
        return (activities, alerts, writer)
    }

    static func watchdogInterval(logger: Logger) -> Duration? {
        do {
            return try WatchdogConfig.fromEnvironment()?.pingInterval
        } catch {
            logger.warning("ignoring an unusable WATCHDOG_USEC", error: error)
            return nil
        }
    }

    static func persistFinal(_ writer: StateWriter) async throws(ForwarderError) {
        do {
            try await writer.persist()
        } catch {
            throw ForwarderError(error)
        }
    }
}
