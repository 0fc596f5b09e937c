import ActivityJSON
import Checkpoint
import Foundation
import Logging
import MDCA

/// Pulls pages from the cursor to `now − settle_time` and hands them to delivery (PRODUCT §3).
///
/// Order of events for every batch: encode → every output accepts → the cursor moves →
/// the state file is written. A batch is at most one page and at most `checkpoint_every`
/// records, so a `kill -9` repeats at most that many records.
///
/// Cancellation of the calling task is the stop signal (graceful shutdown is turned into it
/// with `cancelWhenGracefulShutdown`): the in-flight HTTP request is aborted, processing stops
/// at the next record boundary, the records already encoded are still delivered, and the
/// checkpoint is written before returning.
public final class Pipeline: Sendable {
    public struct Settings: Sendable {
        public var pageSize: Int
        public var settleTime: Duration
        public var checkpointEvery: Int
        public var requestTimeout: Duration

        public init(pageSize: Int, settleTime: Duration, checkpointEvery: Int, requestTimeout: Duration) {
            self.pageSize = pageSize
            self.settleTime = settleTime
            self.checkpointEvery = checkpointEvery
            self.requestTimeout = requestTimeout
        }
    }

    /// What one pass did.
    public struct PassResult: Sendable, Equatable {
        public var delivered = 0
        public var pages = 0
        /// False when the pass was stopped (shutdown) before reaching the end of the scan.
        public var completed = false
    }

    private let scan: ScanClient
    private let filters: [String: FilterValue]
    private let delivery: Delivery
    private let store: CheckpointStore
    private let status: StatusBoard
    private let settings: Settings
    private let logger: Logger

    public init(
        scan: ScanClient, filters: [String: FilterValue], delivery: Delivery, store: CheckpointStore,
        status: StatusBoard, settings: Settings, logger: Logger
    ) {
        self.scan = scan
        self.filters = filters
        self.delivery = delivery
        self.store = store
        self.status = status
        self.settings = settings
        self.logger = logger
    }

    /// One catch-up pass. Throws only what must stop the caller: API errors after the retry
    /// policy gave up, an output that stayed down past its limit, a state file write failure.
    public func catchUp(now: Date = Date()) async throws(ForwarderError) -> PassResult {
        let untilMs = Int64(now.timeIntervalSince1970 * 1000) - DurationText.milliseconds(of: settings.settleTime)
        let start = await store.cursor
        var result = PassResult()
        guard start.createdMs <= untilMs else {
            result.completed = true
            return result
        }

        var session = scan.scan(from: start.createdMs, until: untilMs, configuredFilters: filters, limit: settings.pageSize)
        // `batch.cursor` runs ahead of the stored cursor by the records encoded but not yet
        // delivered; it also skips ids a page lists twice.
        var batch = Batch(outputs: delivery.outputCount, cursor: start)
        // The longest a page fetch may take, pacing and retries included, before the
        // watchdog may call the pipeline wedged.
        let fetchAllowance = settings.requestTimeout + .seconds(6 * 60)

        pages: while !Task.isCancelled {
            status.expectProgress("fetching", within: fetchAllowance)
            let page: ActivityPage?
            do {
                page = try await session.next()
            } catch {
                if Task.isCancelled { break pages }
                throw .api(error)
            }
            guard let page else {
                result.completed = true
                break
            }
            result.pages += 1
            await store.notePage()
            logger.debug("page fetched", metadata: ["page.records": "\(page.records.count)", "page.has_next": "\(page.hasNext)"])

            for record in page.records {
                if Task.isCancelled { break pages }
                // A record without a usable `created` is delivered at the cursor's millisecond.
                let created = record.created ?? batch.cursor.createdMs
                if batch.cursor.shouldSkip(id: record.id, created: created) {
                    batch.skipped += 1
                    continue  // delivered before, at the cursor's own millisecond
                }
                delivery.encode(record, into: &batch)
                batch.count += 1
                batch.cursor.advance(id: record.id, created: created)
                if batch.count >= settings.checkpointEvery {
                    result.delivered += try await flush(&batch)
                }
            }
            result.delivered += try await flush(&batch)
        }
        // Stopped or finished: whatever is encoded is still delivered and checkpointed.
        result.delivered += try await flush(&batch)
        if result.completed {
            await store.notePollSucceeded(at: now)
        }
        try await persist()
        return result
    }

    /// Delivers the batch to every output, then moves and persists the cursor.
    private func flush(_ batch: inout Batch) async throws(ForwarderError) -> Int {
        guard batch.count > 0 || batch.skipped > 0 else { return 0 }
        try await delivery.deliver(&batch)
        let count = batch.count
        await store.commit(count: count, skipped: batch.skipped, cursor: batch.cursor)
        status.delivered(count: count, cursorMs: batch.cursor.createdMs)
        batch.removeAll()
        try await persist()
        return count
    }

    private func persist() async throws(ForwarderError) {
        do {
            try await store.persist()
        } catch {
            throw .state(error)
        }
    }
}
