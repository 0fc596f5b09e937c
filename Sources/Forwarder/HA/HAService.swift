import Checkpoint
import Etcd
import Foundation
import Logging
import ServiceLifecycle
import Systemd

/// One HA instance (PRODUCT §13): a standby until it wins the tenant's leader key, then a
/// normal forwarder whose checkpoint lives in etcd and whose batches need the lease, and a
/// standby again when the term ends. Graceful shutdown on the leader: finish the pass, write
/// the last checkpoint (fenced), revoke the lease so that a standby takes over at once.
final class HAService: Service, Sendable {
    let config: ForwarderConfig
    let configPath: String
    let environment: [String: String]
    let coordination: Coordination
    let notifier: Notifier?
    let watchdogInterval: Duration?
    let logger: Logger
    /// How often a standby looks at the leader key: hand-over within about this after a
    /// leader revokes its lease.
    let standbyPoll: Duration

    init(config: ForwarderConfig, configPath: String, environment: [String: String], coordination: Coordination,
         notifier: Notifier?, watchdogInterval: Duration?, logger: Logger, standbyPoll: Duration = .milliseconds(500)) {
        self.config = config
        self.configPath = configPath
        self.environment = environment
        self.coordination = coordination
        self.notifier = notifier
        self.watchdogInterval = watchdogInterval
        self.logger = logger
        self.standbyPoll = standbyPoll
    }

    var leadership: Leadership { coordination.leadership }

    func run() async throws {
        // A standby is healthy: configuration and credentials are loaded, it waits by design.
        notifier?.send("READY=1", logger: logger) { try $0.ready() }
        try await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                guard await standBy() else { break }
                try await lead()
            }
        } onGracefulShutdown: { [notifier, logger] in
            notifier?.send("STOPPING=1", logger: logger) { try $0.stopping() }
        }
    }

    /// Campaigns every `standbyPoll` until this instance leads (true) or shutdown (false).
    private func standBy() async -> Bool {
        var last = ""
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let line: String
            do {
                switch try await leadership.campaign() {
                case .leader(let record):
                    coordination.board.set(leading: true)
                    coordination.board.set(status: "leader since \(record.since)")
                    logger.notice("leading", metadata: ["instance": "\(record.instance)", "lease": "\(record.lease)", "etcd.key": "\(coordination.config.key)"])
                    return true
                case .standby(let leader):
                    line = leader.map { "standby; leader \($0.instance) since \($0.since)" } ?? "standby; no leader yet"
                }
            } catch {
                coordination.board.countError()
                line = "standby; coordination problem: \(error.message)"
            }
            if line != last {
                if line.contains("coordination problem") {
                    logger.warning("\(line)", metadata: ["etcd.endpoints": "\(coordination.config.endpoints.joined(separator: ","))"])
                } else {
                    logger.notice("\(line)")
                }
                notifier?.send("STATUS", logger: logger) { try $0.status(line) }
                coordination.board.set(status: line)
                last = line
            }
            // Waiting for the leader key is the healthy state of a standby.
            if watchdogInterval != nil { notifier?.send("WATCHDOG=1", logger: logger) { try $0.watchdog() } }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.standbyPoll) }
        }
        return false
    }

    /// One term: the streams from etcd's checkpoint, run until shutdown or until the lease
    /// cannot be proven.
    private func lead() async throws {
        let store = EtcdCheckpointStore(leadership: leadership)
        let permit = LeasePermit(leadership: leadership)
        let keeper = LeaseKeeper(coordination: coordination, logger: logger)
        do {
            let clock = SystemForwarderClock()
            let (core, alerts, writer) = try await Commands.openState(config: config, clock: clock, logger: logger, store: store)
            let cores: [any StreamHealth] = [core] + (alerts.map { [$0] } ?? [])
            let engine = try Engine(config: config, configPath: configPath, environment: environment, core: core, alerts: alerts,
                                    writer: writer, mode: .run, notifier: notifier, logger: logger, permit: permit)
            coordination.board.set(term: TermView(cores: cores, engine: engine, writer: writer))
            defer { coordination.board.set(term: nil) }
            // Order matters: graceful shutdown stops services last-first, so the lease keeper
            // outlives the forwarder's last pass and its final checkpoint stays fenced.
            let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: keeper, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: HealthService(notifier: notifier, cores: cores, writer: writer, watchdogInterval: watchdogInterval, logger: logger)),
                .init(service: ForwarderService(mode: .run, engine: engine, logger: logger),
                      successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            ]
            var group = ServiceGroupConfiguration(services: services, logger: logger)
            group.maximumGracefulShutdownDuration = .seconds(5)
            try await ServiceGroup(configuration: group).run()
            if Task.isShuttingDownGracefully, leadership.mayDeliver() {
                try await Commands.persistFinal(writer)
                try? await leadership.resign()
                logger.notice("resigned: lease revoked for a prompt hand-over", metadata: ["forwarded": "\(core.forwardedTotal)"])
            }
        } catch let error as ForwarderError {
            guard case .leadershipLost(let reason) = error else { throw error }
            logger.warning("leadership lost: \(reason)")
        }
        endTerm(reason: keeper.reason)
    }

    private func endTerm(reason: String?) {
        if leadership.currentTerm != nil { leadership.stepDown() }
        coordination.board.set(leading: false)
        if let reason, !Task.isShuttingDownGracefully {
            logger.warning("stepped down; nothing more is sent until this instance leads again", metadata: ["reason": "\(reason)"])
        }
    }
}
