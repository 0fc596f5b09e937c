import Checkpoint
import Etcd
import Foundation
import Logging
import ServiceLifecycle
import Systemd
import UnixSignals

extension Commands {
    /// `run` with `state.etcd`: an HA instance (PRODUCT §13). etcd unreachable at start is not
    /// an error: the instance is a standby that says why until it can campaign.
    static func haDaemon(config: ForwarderConfig, path: String, etcd: EtcdStateConfig, mode: ForwarderService.Mode, logger: Logger) async -> Int32 {
        guard mode == .run else {
            return fail(ForwarderError.usage("`once` does not take part in the election of state.etcd; use `run` (in \(path))"), code: 64)
        }
        do {
            let coordination = try Coordination.make(etcd)
            let notifier = Notifier.fromEnvironment()
            let instance = HAService(config: config, configPath: path, environment: environment, coordination: coordination,
                                     notifier: notifier, watchdogInterval: watchdogInterval(logger: logger), logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: instance, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: await HAReloadService(instance: instance, logger: logger)),
            ]
            if let metrics = config.metrics {
                let exporter = MetricsExporter(coordination: coordination.board)
                services.append(.init(service: try await MetricsService.start(listen: metrics, exporter: exporter, logger: logger)))
            }
            var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            groupConfig.maximumGracefulShutdownDuration = .seconds(10)
            logger.notice("mdca-forwarder started (high availability)", metadata: [
                "config.path": "\(path)", "etcd.key": "\(etcd.key)", "instance": "\(etcd.instance)",
                "etcd.endpoints": "\(etcd.endpoints.joined(separator: ","))", "lease": "\(etcd.leaseSeconds)s",
            ])
            try await ServiceGroup(configuration: groupConfig).run()
            logger.notice("mdca-forwarder stopped")
            return 0
        } catch let error as ForwarderError {
            return fail(error, code: error.exitCode)
        } catch {
            return fail(ForwarderError.other("\(error)"), code: 1)
        }
    }

    /// `status` with `state.etcd`: the checkpoint and the leader as etcd has them.
    static func haStatus(config: ForwarderConfig, etcd: EtcdStateConfig, json: Bool) async -> Int32 {
        do {
            let coordination = try Coordination.make(etcd)
            let leadership = coordination.leadership
            let store = EtcdCheckpointStore(leadership: leadership)
            let leader: LeaderRecord?
            do {
                leader = try await leadership.leader()
            } catch {
                throw ForwarderError.other("state.etcd: \(error.message)")
            }
            let state: ForwarderState?
            do {
                state = try await store.load()
            } catch {
                throw ForwarderError(error)
            }
            var report = StatusReport(statePath: store.location, state: state, now: Date())
            report.coordination = StatusReport.Coordination(
                instance: etcd.instance, leader: leader?.instance, since: leader?.since,
                role: leader?.instance == etcd.instance ? "leader" : "standby")
            print(json ? report.json() : report.text())
            return 0
        } catch let error as ForwarderError {
            return fail(error, code: error.unreachableExitCode)
        } catch {
            return fail(ForwarderError.other("\(error)"), code: 1)
        }
    }

    /// `checkpoint set` with `state.etcd`: takes the leader key itself for the write (refused
    /// while an instance leads, as the state lock refuses while a daemon runs), writes under
    /// the same fence as the daemon, and revokes its lease.
    static func haCheckpointSet(etcd: EtcdStateConfig, move: (inout ForwarderState) -> String) async -> Int32 {
        do {
            let coordination = try Coordination.make(etcd)
            let leadership = coordination.leadership
            let role: LeadershipRole
            do {
                role = try await leadership.campaign()
            } catch {
                throw ForwarderError.other("state.etcd: \(error.message)")
            }
            guard case .leader = role else {
                let name: String
                if case .standby(let leader?) = role { name = "\(leader.instance) since \(leader.since)" } else { name = "another instance" }
                return fail(ForwarderError.usage("the checkpoint in etcd (\(etcd.key)) is held by the leader \(name); stop it (or every instance) first"), code: 74)
            }
            let store = EtcdCheckpointStore(leadership: leadership)
            let written: Result<String, ForwarderError> = await {
                var state: ForwarderState
                do throws(CheckpointError) {
                    state = try await store.load() ?? ForwarderState(cursor: Cursor(createdMs: 0, tieIDs: []))
                } catch .io(let error) {
                    // The documented recovery for an unreadable checkpoint, as with the file.
                    FileHandle.standardError.write(Data("mdca-forwarder: replacing unreadable state: \(error)\n".utf8))
                    state = ForwarderState(cursor: Cursor(createdMs: 0, tieIDs: []))
                } catch {
                    return .failure(ForwarderError(error))
                }
                let message = move(&state)
                do throws(CheckpointError) {
                    try await store.save(state)
                } catch {
                    return .failure(ForwarderError(error))
                }
                return .success(message)
            }()
            // Revoked in every case, so that an instance waiting as a standby leads at once.
            try? await leadership.resign()
            let message = try written.get()
            print("\(message) in \(store.location)")
            return 0
        } catch let error as ForwarderError {
            return fail(error, code: error.unreachableExitCode)
        } catch {
            return fail(ForwarderError.other("\(error)"), code: 1)
        }
    }
}

extension ForwarderError {
    /// Commands that only talk to etcd: an unreachable cluster is 69 like an unreachable API.
    var unreachableExitCode: Int32 {
        if case .other = self { return 69 }
        return exitCode
    }
}

/// Turns SIGHUP into a reload of an HA instance (leader or standby), as `ReloadService` does
/// for a single one.
final class HAReloadService: Service, Sendable {
    private let instance: HAService
    private let logger: Logger
    private let signals: UnixSignalsSequence

    /// Traps SIGHUP at once (see `ReloadService`: READY=1 may go out before the group runs).
    init(instance: HAService, logger: Logger) async {
        self.instance = instance
        self.logger = logger
        signals = await UnixSignalsSequence(trapping: .sighup)
    }

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP received: reloading the configuration")
            await instance.reload()
        }
    }
}
