import Checkpoint
import Foundation
import Outputs

/// The forwarder's durable state: the cursor of the last *delivered* record plus counters.
///
/// The in-memory copy moves only through `commit(...)`, which the pipeline calls after every
/// output accepted a batch, and every `persist()` writes it crash-safely (temp file, fsync,
/// rename, fsync directory) off the cooperative pool. A failing write is fatal by design
/// (PRODUCT §3): continuing would pretend a checkpoint is durable when it is not.
public actor CheckpointStore {
    private let file: StateFile
    private let io = BlockingQueue(label: "mdca-forwarder.state")
    public private(set) var state: ForwarderState
    /// Counts changes so a write that raced with a later change does not mark it saved.
    private var changes: UInt64 = 0
    private var savedChanges: UInt64 = 0

    public init(file: StateFile, state: ForwarderState) {
        self.file = file
        self.state = state
    }

    public var cursor: Cursor { state.cursor }

    /// Records that every output accepted `count` records; the cursor moves to the one the
    /// pipeline computed while encoding them.
    public func commit(count: Int, skipped: Int, cursor: Cursor) {
        state.cursor = cursor
        state.counters.recordsForwarded += UInt64(count)
        state.counters.recordsSkipped += UInt64(skipped)
        changes += 1
    }

    public func notePage() {
        state.counters.pagesFetched += 1
        changes += 1
    }

    public func notePollSucceeded(at date: Date) {
        state.lastSuccessfulPoll = date
        changes += 1
    }

    public func noteProblem(_ problem: String?, at date: Date) {
        state.counters.currentProblem = problem
        if let problem {
            state.counters.lastError = problem
            state.counters.lastErrorAt = date
        }
        changes += 1
    }

    /// Replaces the cursor (first start, `checkpoint set`).
    public func reset(cursor: Cursor) {
        state.cursor = cursor
        changes += 1
    }

    /// Writes the state if anything changed since the last write.
    public func persist() async throws(StateFileError) {
        guard changes != savedChanges else { return }
        let snapshot = state
        let generation = changes
        let file = self.file
        try await io.run { () throws(StateFileError) in try file.save(snapshot) }
        savedChanges = max(savedChanges, generation)
    }
}
