import Etcd
import Foundation
import MDCA
import Synchronization

/// The etcd side of an HA instance, built from `state.etcd`: the client, this instance's
/// leadership and what the operator sees of it (role, leader, errors).
public final class Coordination: Sendable {
    public let config: EtcdStateConfig
    public let leadership: Leadership
    public let board = CoordinationBoard()

    init(config: EtcdStateConfig, leadership: Leadership) {
        self.config = config
        self.leadership = leadership
    }

    /// Reads the etcd password (secret rules as for the API token) and sets up the client;
    /// nothing is sent yet.
    public static func make(_ config: EtcdStateConfig) throws(ForwarderError) -> Coordination {
        var credentials: EtcdCredentials?
        if let user = config.username, let path = config.passwordFile {
            do throws(SecretSourceError) {
                credentials = EtcdCredentials(user: user, password: try SecretSource.file(path).load().reveal())
            } catch {
                throw .secret("state.etcd.password_file: \(error.description)")
            }
        }
        let options = EtcdClientOptions(
            endpoints: config.endpoints, attemptTimeout: attemptTimeout(lease: config.lease),
            caFile: config.caFile, certFile: config.certFile, keyFile: config.keyFile, credentials: credentials)
        let client: EtcdClient
        do {
            client = try EtcdClient(options: options)
        } catch {
            throw .other("state.etcd: \(error.message)")
        }
        let settings = LeadershipSettings(prefix: config.key, ttl: config.leaseSeconds, instance: config.instance)
        return Coordination(config: config, leadership: Leadership(kv: client, settings: settings))
    }

    /// One attempt at one member: a sixth of the lease (at least 1 s), so that a member down
    /// still leaves two keepalive chances per TTL with the others.
    static func attemptTimeout(lease: Duration) -> Duration {
        max(.seconds(1), lease / 6)
    }
}

/// What `/metrics` and STATUS= show of the coordination: a view, written by the HA service.
public final class CoordinationBoard: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var leading = false
        public var errors: UInt64 = 0
        /// The last STATUS= line of the coordination (standby, or why it cannot coordinate).
        public var status = "starting"
    }

    private let state = Mutex(Snapshot())
    private let current = Mutex<TermView?>(nil)

    public var snapshot: Snapshot { state.withLock { $0 } }
    var term: TermView? { current.withLock { $0 } }

    func set(term: TermView?) { current.withLock { $0 = term } }

    func set(leading: Bool) { state.withLock { $0.leading = leading } }
    func countError() { state.withLock { $0.errors += 1 } }
    func set(status: String) { state.withLock { $0.status = status } }
}

/// The streams of the current term, for `/metrics`; nil while a standby.
struct TermView: Sendable {
    var cores: [any StreamHealth]
    var engine: Engine
    var writer: StateWriter
}

extension MetricsExporter {
    /// An HA instance's exporter: the coordination series always, the streams' while leading.
    convenience init(coordination: CoordinationBoard) {
        self.init(currentCores: { coordination.term?.cores ?? [] },
                  outputs: { coordination.term?.engine.current.delivery.board ?? OutputBoard(names: []) },
                  writes: { coordination.term?.writer.writeCounts ?? StateWriter.Counts() },
                  version: ForwarderVersion.string, coordination: coordination)
    }
}
