import Checkpoint
import Etcd

/// The checkpoint in etcd (PRODUCT §13): the state file's very JSON under `<key>/checkpoint`,
/// written only through the leader's fenced transaction. The `StateWriter` stays its one
/// writer; this is only where the bytes go.
public struct EtcdCheckpointStore: CheckpointStore {
    let leadership: Leadership

    public init(leadership: Leadership) {
        self.leadership = leadership
    }

    public var location: String { "etcd key \(leadership.settings.prefix)/checkpoint" }

    public func load() async throws(CheckpointError) -> ForwarderState? {
        let bytes: [UInt8]?
        do {
            bytes = try await leadership.read(leadership.settings.checkpointKey)
        } catch {
            // Without the checkpoint this instance cannot lead safely; the caller steps down.
            throw .leadershipLost("cannot read the checkpoint from etcd: \(error.message)")
        }
        guard let bytes else { return nil }
        do {
            return try StateFile.decode(bytes, source: location)
        } catch {
            throw .io(error)
        }
    }

    public func save(_ state: ForwarderState) async throws(CheckpointError) {
        let bytes: [UInt8]
        do {
            bytes = try StateFile.encode(state, source: location)
        } catch {
            throw .io(error)
        }
        do {
            try await leadership.fencedPut(key: leadership.settings.checkpointKey, value: bytes)
        } catch {
            throw .leadershipLost(error.reason)
        }
    }
}

/// The send permit of an HA leader: yes only while its lease is proven on the monotonic clock.
struct LeasePermit: SendPermit {
    let leadership: Leadership

    func mayDeliver() async -> Bool { leadership.mayDeliver() }
}
