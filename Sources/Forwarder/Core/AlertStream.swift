import ActivityJSON
import Checkpoint
import Foundation
import Logging
import MDCA
import ServiceLifecycle

/// The alerts stream's position: the alert cursor (`timestamp` ms, tie set, the ids recently
/// delivered inside the overlap window) and, with `resolutions: true`, the closures cursor.
public struct AlertPosition: StreamPosition {
    public var cursor: AlertCursor
    public var closures: AlertCursor?

    public init(cursor: AlertCursor, closures: AlertCursor? = nil) {
        self.cursor = cursor
        self.closures = closures
    }

    public var timestampMs: Int64 { cursor.timestampMs }
}

/// The alerts stream's core.
public typealias AlertCore = StreamCore<AlertPosition>

/// The alerts stream's catch-up pass (PRODUCT §9, docs/ALERTS.md): the alert window
/// `[cursor − overlap, now − settle_time]`, then, with closures on, the closures window; each
/// page encoded for every output, delivered, then the position moves and the state file is
/// written, exactly as for activities (the same `Delivery`, the same shutdown rules).
public struct AlertStream: Sendable {
    public struct Settings: Sendable {
        public var settleTime: Duration
        public var overlapMs: Int64
        public var resolutions: Bool

        public init(settleTime: Duration, overlapMs: Int64, resolutions: Bool) {
            self.settleTime = settleTime
            self.overlapMs = overlapMs
            self.resolutions = resolutions
        }
    }

    /// The page source as a value: `ScanClient.alertScan` (through the tenant's one pacer),
    /// or a fake in tests.
    public typealias Source = @Sendable (_ kind: AlertScan.Kind, _ cursor: AlertCursor, _ untilMs: Int64,
                                         _ observer: @escaping APIObserver) -> AlertScan

    public let core: AlertCore
    let source: Source
    let delivery: Delivery
    let writer: StateWriter
    let settings: Settings
    let fetchAllowance: Duration
    let logger: Logger

    public init(
        core: AlertCore, source: @escaping Source, delivery: Delivery, writer: StateWriter, settings: Settings,
        fetchAllowance: Duration, logger: Logger
    ) {
        self.core = core
        self.source = source
        self.delivery = delivery
        self.writer = writer
        self.settings = settings
        self.fetchAllowance = fetchAllowance
        self.logger = logger
    }

    /// One pass over both windows. Throws as `ActivityStream.catchUp` does.
    public func catchUp() async throws(ForwarderError) -> ActivityStream.PassResult {
        let now = core.clock.wall
        let untilMs = Int64(now.timeIntervalSince1970 * 1000) - DurationText.milliseconds(of: settings.settleTime)
        var result = ActivityStream.PassResult()
        var completed = try await window(.alerts, untilMs: untilMs, result: &result)
        if completed, settings.resolutions {
            if core.committed.closures == nil {
                // Closures start where the alert cursor starts (PRODUCT §9).
                var position = core.committed
                position.closures = position.cursor
                core.reset(cursor: position)
            }
            completed = try await window(.closures, untilMs: untilMs, result: &result)
        }
        result.completed = completed
        if completed { core.scanReachedPresent(at: now) }
        try await writer.checkpoint()
        return result
    }

    /// Reads one window to its end (true) or until a stop (false).
    private func window(_ kind: AlertScan.Kind, untilMs: Int64, result: inout ActivityStream.PassResult) async throws(ForwarderError) -> Bool {
        let start = core.committed
        guard let startCursor = kind == .alerts ? start.cursor : start.closures else { return true }
        var scan = source(kind, startCursor, untilMs, core.apiObserver)
        let rule = scan.cursorRule
        var batch = Batch<AlertPosition>(outputs: delivery.outputCount, cursor: start)
        var failure: ForwarderError?
        var complete = false

        pages: while !Task.isShuttingDownGracefully {
            core.begin(kind == .alerts ? "fetching alerts" : "fetching alert closures", within: fetchAllowance)
            let page: AlertPage?
            do {
                page = try await scan.nextUnlessStopping()
            } catch {
                if case .cancelled = error { break pages }
                failure = .api(error)
                break pages
            }
            guard let page else {
                complete = true
                break
            }
            result.pages += 1
            core.received(page: page.records.count)
            for record in page.records {
                if Task.isShuttingDownGracefully { break pages }
                if record.id.isEmpty { core.anomalous(.missingID, id: "-", created: record.timestamp) }
                if kind == .alerts, record.timestamp == nil { core.anomalous(.missingCreated, id: record.id, created: nil) }
                let outcome = delivery.encode(record, closure: kind == .closures, into: &batch, clock: core.clock)
                if outcome != .intact { core.capped(outcome, id: record.id) }
                batch.count += 1
                if kind == .alerts {
                    rule.advance(&batch.cursor.cursor, past: record)
                } else if var closures = batch.cursor.closures {
                    rule.advance(&closures, past: record)
                    batch.cursor.closures = closures
                }
            }
            do { result.delivered += try await delivery.flush(&batch, core: core, writer: writer) } catch { failure = error; break pages }
        }
        if failure == nil, !complete {
            do { result.delivered += try await delivery.flush(&batch, core: core, writer: writer) } catch { failure = error }
        }
        if let failure {
            // Another instance leads: write nothing more, the batch is dropped unsent.
            if case .leadershipLost = failure { throw failure }
            try await writer.checkpoint()
            if case .interrupted = failure { return false }
            throw failure
        }
        if complete {
            // Only now, with the whole window read and delivered, may closures move to its end.
            var position = core.committed
            if kind == .alerts {
                scan.finish(&position.cursor)
            } else if var closures = position.closures {
                scan.finish(&closures)
                position.closures = closures
            }
            core.reset(cursor: position)
        }
        return complete
    }
}
