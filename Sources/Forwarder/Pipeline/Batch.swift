import Checkpoint

/// Records encoded for every output but not yet delivered.
///
/// `messages[i]` holds output *i*'s messages in record order; `cursor` is where the cursor
/// moves once every output has accepted them.
public struct Batch: Sendable {
    public var count = 0
    /// Records passed over because the cursor already covered them (tie re-listings).
    public var skipped = 0
    public var cursor: Cursor
    public var messages: [[[UInt8]]]
    /// How many leading outputs already accepted this batch (a retry after a failure must
    /// not send it to them again).
    public var acceptedOutputs = 0

    public init(outputs: Int, cursor: Cursor) {
        messages = Array(repeating: [], count: outputs)
        self.cursor = cursor
    }

    /// Empties the batch after delivery; the cursor stays where the batch left it.
    public mutating func removeAll() {
        count = 0
        skipped = 0
        for i in messages.indices {
            messages[i].removeAll(keepingCapacity: true)
        }
        acceptedOutputs = 0
    }
}
