import POSIX

/// Where the checkpoint lives (PRODUCT §3 "Checkpoint", §13): the local state file, or (HA)
/// a key written only while this instance leads. `StateWriter` is the one writer and goes
/// through this protocol, so a new backend is a new conformance and nothing else.
///
/// Contract: `save` is durable when it returns; a backend that guards writes with a fence
/// (the etcd leader key) throws `.leadershipLost` when the fence failed, never `.io`.
public protocol CheckpointStore: Sendable {
    /// Names the store in messages and logs (the state file's path, an etcd key).
    var location: String { get }
    /// The stored state, nil when there is none yet (first start).
    func load() async throws(CheckpointError) -> ForwarderState?
    func save(_ state: ForwarderState) async throws(CheckpointError)
}

/// Why a checkpoint could not be read or written.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store failed (disk, fsync, rename): fatal in the engine (exit 74), since going on
    /// would pretend a checkpoint is durable.
    case io(StateFileError)
    /// The store refused the write because another instance leads now (fencing). Not fatal:
    /// the engine stops sending at once, drops what it had encoded (the new leader sends it
    /// from the last committed checkpoint) and leaves the decision what to do next to the
    /// HA policy.
    case leadershipLost(String)

    public var description: String {
        switch self {
        case .io(let error): "\(error)"
        case .leadershipLost(let reason): "leadership lost: \(reason)"
        }
    }
}

/// The local state file as a checkpoint store: the blocking `StateFile` calls on a serial
/// queue of their own, off the cooperative pool.
public struct StateFileStore: CheckpointStore {
    public let file: StateFile
    private let io = BlockingQueue(label: "mdca-forwarder.state")

    public init(file: StateFile) {
        self.file = file
    }

    public var location: String { file.path }

    public func load() async throws(CheckpointError) -> ForwarderState? {
        let file = self.file
        do {
            return try await io.run { () throws(StateFileError) in try file.load() }
        } catch {
            throw .io(error)
        }
    }

    public func save(_ state: ForwarderState) async throws(CheckpointError) {
        let file = self.file
        do {
            try await io.run { () throws(StateFileError) in try file.save(state) }
        } catch {
            throw .io(error)
        }
    }
}
