import Checkpoint
import Etcd
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd

/// One HA instance (PRODUCT §13): a standby until it wins the tenant's leader key, then a
/// normal forwarder whose checkpoint lives in etcd and whose batches need the lease, and a
/// standby again when the term ends. Graceful shutdown on the leader: finish the pass, write
/// the last checkpoint (fenced), revoke the lease so that a standby takes over at once.
final class HAService: Service, Sendable {
    /// The configuration the next term starts with, and the engine of the term now running.
    private struct Running {
        var config: ForwarderConfig
        var engine: Engine?
    }

    private let running: Mutex<Running>
    /// What outlives a term as it outlives a reload: the tenant's request budget (a term
    /// that ends and starts again must not forget the last minute's requests), the outputs'
    /// counters, the reload count and the shutdown deadline.
    private let lifetime: Engine.Lifetime
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
        running = Mutex(Running(config: config))
        lifetime = Engine.Lifetime(requestsPerMinute: config.tenant.requestsPerMinute, clock: SystemForwarderClock())
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
            let config = running.withLock { $0.config }
            let (core, alerts, writer) = try await Commands.openState(config: config, clock: clock, logger: logger, store: store)
            let cores: [any StreamHealth] = [core] + (alerts.map { [$0] } ?? [])
            let engine = try Engine(config: config, configPath: configPath, environment: environment, core: core, alerts: alerts,
                                    writer: writer, mode: .run, notifier: notifier, logger: logger, permit: permit, lifetime: lifetime)
            coordination.board.set(term: TermView(cores: cores, engine: engine, writer: writer))
            let newer = running.withLock { r -> ForwarderConfig? in
                r.engine = engine
                return r.config == config ? nil : r.config
            }
            defer {
                running.withLock { $0.engine = nil }
                coordination.board.set(term: nil)
            }
            // A reload accepted while this term was being set up is applied to it at once.
            if let newer { try await engine.adopt(newer) }
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

    /// SIGHUP: the new configuration reaches the running term at once (as without
    /// `state.etcd`), and every later term. The `state` section is refused: the coordination
    /// (endpoints, key, lease, credentials) is set up once, so it takes a restart.
    func reload() async {
        notifier?.send("RELOADING=1", logger: logger) { try $0.reloading() }
        if let engine = running.withLock({ $0.engine }) { await engine.current.delivery.reopen() }
        do {
            let config = try await Engine.loadConfiguration(path: configPath, environment: environment)
            // The coordination is built once from the state section: a reload never changes it.
            guard config.state == running.withLock({ $0.config.state }) else {
                throw ForwarderError.config(ConfigError(
                    file: configPath, keyPath: "state",
                    message: "changed while running: expected the state.etcd the instance started with (endpoints, key, lease, instance, credentials are set up once; restart to apply them)"))
            }
            try await apply(config)
        } catch {
            logger.error("configuration reload refused; keeping the previous configuration", error: error)
        }
        notifier?.send("READY=1", logger: logger) { try $0.ready() }
    }

    /// Hands `config` to the running term (if any) and keeps it for the next ones. A term
    /// that starts meanwhile finds it when it registers its engine.
    private func apply(_ config: ForwarderConfig) async throws(ForwarderError) {
        var engine = running.withLock { r -> Engine? in
            if r.engine == nil { r.config = config }
            return r.engine
        }
        while let current = engine {
            try await current.adopt(config)
            // The term may have ended and a new one registered with the old configuration.
            engine = running.withLock { r -> Engine? in
                r.config = config
                return r.engine.flatMap { $0 === current ? nil : $0 }
            }
        }
        if running.withLock({ $0.engine == nil }) {
            logger.notice("new configuration accepted; the next term starts with it", metadata: ["config.path": "\(configPath)"])
        }
    }

    private func endTerm(reason: String?) {
        if leadership.currentTerm != nil { leadership.stepDown() }
        coordination.board.set(leading: false)
        if let reason, !Task.isShuttingDownGracefully {
            logger.warning("stepped down; nothing more is sent until this instance leads again", metadata: ["reason": "\(reason)"])
        }
    }
}
