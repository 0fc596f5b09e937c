import Checkpoint
import Foundation
import Logging
import MDCA
import ServiceLifecycle
import Systemd
import Outputs

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
        let config: ForwarderConfig
        let path: String
        switch loadConfig(configPath) {
        case .success(let loaded): (config, path) = loaded
        case .failure(let error): return fail(error, code: error.exitCode)
        }
        var logger = Logger(label: "mdca-forwarder")
        logger.logLevel = config.log.level

        do {
            let lock: StateLock
            do {
                lock = try StateLock(statePath: config.state.path)
            } catch {
                throw ForwarderError.state(error)
            }
            defer { lock.close() }
            let store = try await openStore(config: config, logger: logger)
            let status = StatusBoard()
            let state = await store.state
            status.restore(cursorMs: state.cursor.createdMs, forwarded: state.counters.recordsForwarded)

            let notifier = Notifier.fromEnvironment()
            let engine = try Engine(config: config, configPath: path, environment: environment, store: store,
                                    status: status, mode: mode, notifier: notifier, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: ForwarderService(mode: mode, engine: engine, logger: logger),
                      successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ]
            if mode == .run {
                services.append(.init(service: await ReloadService(engine: engine, logger: logger)))
            }
            if let notifier {
                services.append(.init(service: SystemdService(
                    notifier: notifier, status: status, watchdogInterval: watchdogInterval(logger: logger), logger: logger)))
            }
            var groupConfig = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            // Below the units' TimeoutStopSec=20s: escalate to cancellation before systemd kills.
            groupConfig.maximumGracefulShutdownDuration = .seconds(10)
            logger.notice("mdca-forwarder started", metadata: [
                "mode": "\(mode)", "config.path": "\(path)", "state.path": "\(config.state.path)",
                "cursor": "\(ISO8601.string(ms: state.cursor.createdMs))",
            ])
            try await ServiceGroup(configuration: groupConfig).run()
            try await persistFinal(store)
            logger.notice("mdca-forwarder stopped", metadata: ["forwarded": "\(status.snapshot.forwarded)"])
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
    static func openStore(config: ForwarderConfig, logger: Logger) async throws(ForwarderError) -> CheckpointStore {
        let file = StateFile(path: config.state.path)
        let existing = try await BlockingQueue(label: "mdca-forwarder.state.open").run { () throws(ForwarderError) -> ForwarderState? in
            do throws(StateFileError) {
                try file.removeStaleTempFiles()
                return try file.load()
            } catch {
                throw .state(error)
            }
        }
        if let existing {
            return CheckpointStore(file: file, state: existing)
        }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let cursor = Cursor.start(nowMs: nowMs, lookbackMs: DurationText.milliseconds(of: config.activities.initialLookback))
        logger.notice("no state file: first start", metadata: [
            "state.path": "\(config.state.path)", "cursor": "\(ISO8601.string(ms: cursor.createdMs))",
        ])
        let store = CheckpointStore(file: file, state: ForwarderState(cursor: cursor))
        await store.reset(cursor: cursor)
        try await persistFinal(store)
        return store
    }

    static func watchdogInterval(logger: Logger) -> Duration? {
        do {
            return try WatchdogConfig.fromEnvironment()?.pingInterval
        } catch {
            logger.warning("ignoring an unusable WATCHDOG_USEC", metadata: ["error": "\(error)"])
            return nil
        }
    }

    static func persistFinal(_ store: CheckpointStore) async throws(ForwarderError) {
        do {
            try await store.persist()
        } catch {
            throw .state(error)
        }
    }
}
