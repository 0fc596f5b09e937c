import Checkpoint
import Outputs

/// Records encoded for every output but not yet delivered.
///
/// `messages[i]` holds output *i*'s messages in record order; `cursor` is where the stream's
/// position moves once every output has accepted them.
public struct Batch<Position: Sendable>: Sendable {
    public var count = 0
    /// Records passed over because the cursor already covered them (tie re-listings).
    public var skipped = 0
    public var cursor: Position
    public var messages: [MessageBatch]
    /// How many leading outputs already accepted this batch (a retry after a failure must
    /// not send it to them again).
    public var acceptedOutputs = 0
    /// The syslog timestamp of every message in this batch (Unix ms): taken at the batch's
    /// first encoding, so the clock is read once per batch rather than per record and output.
    public var encodedAtMs: Int64?

    /// Encoded bytes per output kept for the next batch (bounded RSS).
    static var retainedBytes: Int { 32 << 20 }

    public init(outputs: Int, cursor: Position) {
        messages = Array(repeating: MessageBatch(), count: outputs)
        self.cursor = cursor
    }

    /// Empties the batch after delivery; the cursor stays where the batch left it.
    public mutating func removeAll() {
        count = 0
        skipped = 0
        for i in messages.indices {
            // The storage is reused by the next batch unless an unusually large one grew it.
            messages[i].removeAll(keepingCapacity: messages[i].bytes.capacity <= Self.retainedBytes)
        }
        acceptedOutputs = 0
        encodedAtMs = nil
    }
}
