import ActivityJSON
import Checkpoint
import Foundation
import Logging
import MDCA
import ServiceLifecycle

/// The activities stream's catch-up pass (PRODUCT §3): pages from the committed cursor to
/// `now − settle_time`, encoded for every output, delivered, then the cursor moves and the
/// state file is written. A batch is at most one page and at most `checkpoint_every` records,
/// so a `kill -9` repeats at most that many.
///
/// Graceful shutdown is a flag checked at page and record boundaries (swift-service-lifecycle's
/// advice); only the waits are cancelled (the page request, a retry sleep). What is encoded is
/// still delivered and the checkpoint written, outside any cancelled scope.
public struct ActivityStream: Sendable {
    public struct Settings: Sendable {
        public var pageSize: Int
        public var settleTime: Duration
        public var checkpointEvery: Int

        public init(pageSize: Int, settleTime: Duration, checkpointEvery: Int) {
            self.pageSize = pageSize
            self.settleTime = settleTime
            self.checkpointEvery = checkpointEvery
        }
    }

    /// The page source as a value: a created-ordered scan of `[fromMs, untilMs]` whose
    /// requests report their events to `observer` (`ScanClient.scan`, or a fake in tests).
    public typealias Source = @Sendable (_ fromMs: Int64, _ untilMs: Int64, _ observer: @escaping APIObserver) -> ScanSession

    /// What one pass did.
    public struct PassResult: Sendable, Equatable {
        public var delivered = 0
        public var pages = 0
        /// False when the pass was stopped (shutdown) before reaching the end of the scan.
        public var completed = false

        public init(delivered: Int = 0, pages: Int = 0, completed: Bool = false) {
            self.delivered = delivered
            self.pages = pages
            self.completed = completed
        }
    }

    public let core: ActivityCore
    let source: Source
    let delivery: Delivery
    let writer: StateWriter
    let settings: Settings
    /// The longest a page fetch may take (pacing and the request timeout) before the stream
    /// counts as wedged; a retry announces its own, longer wait.
    let fetchAllowance: Duration
    let logger: Logger

    public init(
        core: ActivityCore, source: @escaping Source, delivery: Delivery, writer: StateWriter, settings: Settings,
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

    /// One catch-up pass. Throws what must stop or pause the caller: an API error the retry
    /// policy gave up on, an output that stayed down past its limit (`once`), a state file
    /// write failure. A stop (graceful shutdown) is not an error: the result says
    /// `completed: false`.
    public func catchUp() async throws(ForwarderError) -> PassResult {
        let now = core.clock.wall
        let untilMs = Int64(now.timeIntervalSince1970 * 1000) - DurationText.milliseconds(of: settings.settleTime)
        let start = core.committed
        var result = PassResult()
        guard start.createdMs <= untilMs else {
            result.completed = true
            return result
        }

        var session = source(start.createdMs, untilMs, core.apiObserver)
        var batch = Batch<Cursor>(outputs: delivery.outputCount, cursor: start)
        var failure: ForwarderError?

        pages: while !Task.isShuttingDownGracefully {
            core.begin("fetching", within: fetchAllowance)
            let page: ActivityPage?
            do {
                page = try await session.nextUnlessStopping()
            } catch {
                if case .cancelled = error { break pages }   // the stop cancelled the request
                failure = .api(error)
                break pages
            }
            guard let page else {
                result.completed = true
                break
            }
            result.pages += 1
            core.received(page: page.records.count)
            if page.hasNext, page.records.count > 1, let first = page.records.first?.created, page.records.last?.created == first {
                // The next page starts after this millisecond or repeats it: either way the
                // service may never list the rest of it. Not silent (PRODUCT §3).
                core.anomalous(.millisecondWiderThanPage, id: "-", created: first)
            }

            for record in page.records {
                if Task.isShuttingDownGracefully { break pages }
                encode(record, from: start.createdMs, until: untilMs, into: &batch)
                if batch.count >= settings.checkpointEvery {
                    do { result.delivered += try await delivery.flush(&batch, core: core, writer: writer) } catch { failure = error; break pages }
                }
            }
            do { result.delivered += try await delivery.flush(&batch, core: core, writer: writer) } catch { failure = error; break pages }
        }
        // Stopped, failed or finished: what is encoded is still delivered and checkpointed
        // (unless delivery itself is what failed or was stopped).
        if failure == nil {
            do { result.delivered += try await delivery.flush(&batch, core: core, writer: writer) } catch { failure = error }
        }
        if let failure {
            // Another instance leads: write nothing more, the batch is dropped unsent.
            if case .leadershipLost = failure { throw failure }
            try await writer.checkpoint()
            if case .interrupted = failure { return result }   // a stop, not an error
            throw failure
        }
        if result.completed {
            core.scanReachedPresent(at: now)
        }
        try await writer.checkpoint()
        return result
    }

    /// Classifies one record against the requested range (PRODUCT §3 "Records the query did
    /// not ask for") and encodes it unless the cursor already covers it.
    private func encode(_ record: ActivityRecord, from fromMs: Int64, until untilMs: Int64, into batch: inout Batch<Cursor>) {
        var id = record.id
        if id.isEmpty {
            id = RecordIdentity.digest(record.rawJSON)
            core.anomalous(.missingID, id: id, created: record.created)
        }
        guard let created = record.created else {
            // Delivered at the cursor's millisecond; the cursor itself does not move.
            core.anomalous(.missingCreated, id: id, created: nil)
            if batch.cursor.shouldSkip(id: id, created: batch.cursor.createdMs) {
                batch.skipped += 1
                return
            }
            append(record, into: &batch)
            batch.cursor.advance(id: id, created: batch.cursor.createdMs)
            return
        }
        if created > untilMs || created < fromMs {
            // A service fault: delivered (at-least-once), but the cursor never leaves the
            // range the request asked for, or every later record would be skipped for ever.
            core.anomalous(created > untilMs ? .createdAfterRange : .createdBeforeCursor, id: id, created: created)
            append(record, into: &batch)
            return
        }
        if batch.cursor.shouldSkip(id: id, created: created) {
            batch.skipped += 1   // delivered before, at the cursor's own millisecond
            return
        }
        append(record, into: &batch)
        batch.cursor.advance(id: id, created: created)
    }

    private func append(_ record: ActivityRecord, into batch: inout Batch<Cursor>) {
        let outcome = delivery.encode(record, into: &batch, clock: core.clock)
        if outcome != .intact { core.capped(outcome, id: record.id) }
        batch.count += 1
    }
}
