/// Records encoded for every output but not yet delivered.
///
/// `messages[i]` holds output *i*'s messages in record order; `records` the ids and `created`
/// values the cursor moves to once every output has accepted them.
public struct Batch: Sendable {
    public var records: [(id: String, created: Int64)] = []
    public var messages: [[[UInt8]]]
    /// How many leading outputs already accepted this batch (a retry after a failure must
    /// not send it to them again).
    public var acceptedOutputs = 0

    public init(outputs: Int) {
        messages = Array(repeating: [], count: outputs)
    }

    public mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        for i in messages.indices {
            messages[i].removeAll(keepingCapacity: true)
        }
        acceptedOutputs = 0
    }
}
