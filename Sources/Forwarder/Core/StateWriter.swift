import Checkpoint
import Foundation
import Synchronization

/// Writes the checkpoint as a view of the streams' cores (PRODUCT §3 "Checkpoint"), the one
/// writer of it, through a `CheckpointStore` (the state file: crash-safely and off the
/// cooperative pool; or, with HA, a fenced key). A failing write is fatal by design
/// (`.io`: continuing would pretend a checkpoint is durable), except a lost fence
/// (`.leadershipLost`), which the engine answers by not sending.
///
/// It holds no copy of the state: each write takes the cores' snapshot of that moment.
/// Writes are serialised, so an older snapshot never lands after a newer one.
public actor StateWriter {
    public struct Counts: Sendable, Equatable {
        public var writes: UInt64 = 0
        public var errors: UInt64 = 0
    }

    private let store: any CheckpointStore
    private let activities: ActivityCore
    /// The alerts stream's core when alerts are enabled.
    private let alerts: AlertCore?
    /// The alerts part of the file as loaded, kept as it is while alerts are disabled (so that
    /// turning them off and on again resumes where they were).
    private let dormantAlerts: AlertStreamState?
    private let counts = Mutex(Counts())

    public init(store: any CheckpointStore, activities: ActivityCore, alerts: AlertCore? = nil, dormantAlerts: AlertStreamState? = nil) {
        self.store = store
        self.activities = activities
        self.alerts = alerts
        self.dormantAlerts = dormantAlerts
    }

    /// The local state file as the store.
    public init(file: StateFile, activities: ActivityCore, alerts: AlertCore? = nil, dormantAlerts: AlertStreamState? = nil) {
        self.init(store: StateFileStore(file: file), activities: activities, alerts: alerts, dormantAlerts: dormantAlerts)
    }

    /// Where the checkpoint is written (the state file's path).
    public nonisolated var path: String { store.location }

    /// Writes and errors since start (`checkpoint_writes_total` / `_errors_total`).
    public nonisolated var writeCounts: Counts { counts.withLock { $0 } }

    /// Writes the cores' current state.
    public func persist() async throws(CheckpointError) {
        do {
            try await store.save(state())
            counts.withLock { $0.writes += 1 }
        } catch {
            counts.withLock { $0.errors += 1 }
            throw error
        }
    }

    /// The state file's content: the cores' positions, totals and problems of this moment.
    nonisolated func state() -> ForwarderState {
        let a = activities.snapshot
        let totals = activities.totals
        let counters = ForwarderState.Counters(
            recordsForwarded: totals.forwarded, pagesFetched: totals.pages, recordsSkipped: totals.skipped,
            lastError: a.lastError?.text, lastErrorAt: a.lastError?.since, currentProblem: a.problem?.text)
        var alertState = dormantAlerts
        if let alerts {
            let s = alerts.snapshot
            let t = alerts.totals
            alertState = AlertStreamState(
                cursor: s.committed.cursor, closures: s.committed.closures, lastSuccessfulPoll: s.lastSuccess,
                counters: ForwarderState.Counters(
                    recordsForwarded: t.forwarded, pagesFetched: t.pages, recordsSkipped: t.skipped,
                    lastError: s.lastError?.text, lastErrorAt: s.lastError?.since, currentProblem: s.problem?.text))
        }
        return ForwarderState(cursor: a.committed, lastSuccessfulPoll: a.lastSuccess, counters: counters, alerts: alertState)
    }

    /// Makes a problem (or its end) visible to `mdca-forwarder status`, which reads only the
    /// state file. Best effort: the next checkpoint write, which is not optional, reports a
    /// failing file for real.
    public func persistQuietly() async -> CheckpointError? {
        do {
            try await persist()
            return nil
        } catch {
            return error
        }
    }
}
