import Checkpoint
import Foundation
import Outputs
import Synchronization

/// Writes the state file as a view of the streams' cores (PRODUCT §3 "Checkpoint"):
/// crash-safely (temp file, fsync, rename, fsync directory) and off the cooperative pool. A
/// failing write is fatal by design: continuing would pretend a checkpoint is durable.
///
/// It holds no copy of the state: each write takes the cores' snapshot of that moment.
/// Writes are serialised, so an older snapshot never lands after a newer one.
public actor StateWriter {
    public struct Counts: Sendable, Equatable {
        public var writes: UInt64 = 0
        public var errors: UInt64 = 0
    }

    private let file: StateFile
    private let activities: ActivityCore
    /// The alerts stream's core when alerts are enabled.
    private let alerts: AlertCore?
    /// The alerts part of the file as loaded, kept as it is while alerts are disabled (so that
    /// turning them off and on again resumes where they were).
    private let dormantAlerts: AlertStreamState?
    private let io = BlockingQueue(label: "mdca-forwarder.state")
    private let counts = Mutex(Counts())

    public init(file: StateFile, activities: ActivityCore, alerts: AlertCore? = nil, dormantAlerts: AlertStreamState? = nil) {
        self.file = file
        self.activities = activities
        self.alerts = alerts
        self.dormantAlerts = dormantAlerts
    }

    public nonisolated var path: String { file.path }

    /// Writes and errors since start (`checkpoint_writes_total` / `_errors_total`).
    public nonisolated var writeCounts: Counts { counts.withLock { $0 } }

    /// Writes the cores' current state.
    public func persist() async throws(StateFileError) {
        let snapshot = state()
        let file = self.file
        do {
            try await io.run { () throws(StateFileError) in try file.save(snapshot) }
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
                cursor: s.committed.cursor, closures: s.committed.closures,
                counters: ForwarderState.Counters(
                    recordsForwarded: t.forwarded, pagesFetched: t.pages, recordsSkipped: t.skipped,
                    lastError: s.lastError?.text, lastErrorAt: s.lastError?.since, currentProblem: s.problem?.text))
        }
        return ForwarderState(cursor: a.committed, lastSuccessfulPoll: a.lastSuccess, counters: counters, alerts: alertState)
    }

    /// Makes a problem (or its end) visible to `mdca-forwarder status`, which reads only the
    /// state file. Best effort: the next checkpoint write, which is not optional, reports a
    /// failing file for real.
    public func persistQuietly() async -> StateFileError? {
        do {
            try await persist()
            return nil
        } catch {
            return error
        }
    }
}
