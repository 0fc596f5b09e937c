import Foundation
import MDCA
import ServiceLifecycle

/// What one pass did.
public struct PassResult: Sendable, Equatable {
    public var delivered = 0
    public var pages = 0
    /// False when the pass was stopped (shutdown) before reaching the end of its windows.
    public var completed = false

    public init(delivered: Int = 0, pages: Int = 0, completed: Bool = false) {
        self.delivered = delivered
        self.pages = pages
        self.completed = completed
    }
}

/// A stream the service runs, whatever its source: its core and one catch-up pass.
public protocol StreamRunning: Sendable {
    var control: any StreamControl { get }
    func catchUp() async throws(ForwarderError) -> PassResult
}

/// The one stream loop (PRODUCT §3, §9): for each window of the source, request the next
/// page through the tenant's client, let the policy classify every record and move the
/// position, encode what it delivers for every output, deliver, commit, checkpoint. A batch
/// is at most one page and at most `checkpointEvery` records, so a `kill -9` repeats at most
/// that many.
///
/// Graceful shutdown is a flag checked at page and record boundaries (swift-service-lifecycle's
/// advice); only the waits are cancelled (the page request, a retry sleep). What is encoded is
/// still delivered and the checkpoint written, outside any cancelled scope. A lost leadership
/// (HA) drops what is encoded and writes nothing.
public struct StreamEngine<Source: StreamSource>: StreamRunning {
    public typealias Position = Source.Position

    public struct Settings: Sendable {
        public var settleTime: Duration
        /// Records per batch at most (a page is a batch at most).
        public var checkpointEvery: Int
        /// The longest a page fetch may take (pacing and the request timeout) before the
        /// stream counts as wedged; a retry announces its own, longer wait.
        public var fetchAllowance: Duration

        public init(settleTime: Duration, checkpointEvery: Int = .max, fetchAllowance: Duration) {
            self.settleTime = settleTime
            self.checkpointEvery = checkpointEvery
            self.fetchAllowance = fetchAllowance
        }
    }

    public let core: StreamCore<Position>
    let source: Source
    let fetcher: any PageFetching
    let delivery: Delivery
    let writer: StateWriter
    let settings: Settings

    public init(core: StreamCore<Position>, source: Source, fetcher: any PageFetching, delivery: Delivery, writer: StateWriter, settings: Settings) {
        self.core = core
        self.source = source
        self.fetcher = fetcher
        self.delivery = delivery
        self.writer = writer
        self.settings = settings
    }

    public var control: any StreamControl { core }

    /// One catch-up pass. Throws what must stop or pause the caller: an API error the retry
    /// policy gave up on, an output that stayed down past its limit (`once`), a checkpoint
    /// failure. A stop (graceful shutdown) is not an error: the result says `completed: false`.
    public func catchUp() async throws(ForwarderError) -> PassResult {
        let now = core.clock.wall
        let untilMs = Int64(now.timeIntervalSince1970 * 1000) - DurationText.milliseconds(of: settings.settleTime)
        var result = PassResult()
        for window in source.windows(from: core.committed, untilMs: untilMs) {
            guard try await read(window, result: &result) else {
                try await writer.checkpoint()
                return result
            }
        }
        result.completed = true
        core.scanReachedPresent(at: now)
        try await writer.checkpoint()
        return result
    }

    /// Reads one window to its end (true) or until a stop (false).
    private func read(_ window: StreamWindow<Source.Plan, Source.Policy>, result: inout PassResult) async throws(ForwarderError) -> Bool {
        var plan = window.plan
        var policy = window.policy
        var batch = Batch<Position>(outputs: delivery.outputCount, cursor: core.committed)
        var failure: ForwarderError?
        var complete = false

        pages: while !Task.isShuttingDownGracefully {
            guard let request = plan.nextRequest else {
                complete = true
                break
            }
            core.begin(window.phase, within: settings.fetchAllowance)
            let page: Source.Plan.Page
            do {
                page = try await fetchUnlessStopping(request)
            } catch {
                if case .cancelled = error { break pages }   // the stop cancelled the request
                failure = .api(error)
                break pages
            }
            result.pages += 1
            core.received(page: page.records.count)
            do { try plan.accept(page) } catch { failure = .api(error); break pages }
            if let anomaly = policy.pageAnomaly(page.records, hasNext: page.hasNext) { core.anomalous(anomaly) }

            for record in page.records {
                if Task.isShuttingDownGracefully { break pages }
                let verdict = policy.classify(record, position: &batch.cursor)
                for anomaly in verdict.anomalies { core.anomalous(anomaly) }
                guard verdict.deliver else {
                    batch.skipped += 1
                    continue
                }
                let outcome = delivery.encode(record, by: policy, into: &batch, clock: core.clock)
                if outcome != .intact { core.capped(outcome, id: policy.id(of: record)) }
                batch.count += 1
                if batch.count >= settings.checkpointEvery {
                    do { result.delivered += try await flush(&batch) } catch { failure = error; break pages }
                }
            }
            do { result.delivered += try await flush(&batch) } catch { failure = error; break pages }
        }
        // Stopped, failed or finished: what is encoded is still delivered and checkpointed
        // (unless delivery itself is what failed or was stopped).
        if failure == nil, !complete {
            do { result.delivered += try await flush(&batch) } catch { failure = error }
        }
        if let failure {
            // Another instance leads: write nothing more, the batch is dropped unsent.
            if case .leadershipLost = failure { throw failure }
            try await writer.checkpoint()
            switch failure {
            case .interrupted, .superseded: return false   // a stop or a reload, not an error
            default: throw failure
            }
        }
        if complete {
            // Only now, with the whole window read and delivered, may the policy move the
            // position to the window's end (alert closures).
            var position = core.committed
            policy.complete(&position)
            core.completed(window: position)
        }
        return complete
    }

    /// The next page. The request, and any retry wait inside it, is the only thing graceful
    /// shutdown cancels (`.cancelled`); the plan moves only when a page came back.
    private func fetchUnlessStopping(_ request: ListRequest) async throws(APIError) -> Source.Plan.Page {
        let (fetcher, observer) = (fetcher, core.apiObserver)
        let outcome: Result<Source.Plan.Page, APIError> = await cancelWhenGracefulShutdown {
            do throws(APIError) {
                return .success(try await fetcher.fetch(request, as: Source.Plan.Page.self, observer: observer))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Delivers the batch to every output, then moves the stream's position to the batch's
    /// and writes the checkpoint (in that order: the checkpoint never covers an undelivered
    /// record). Returns how many records were delivered.
    private func flush(_ batch: inout Batch<Position>) async throws(ForwarderError) -> Int {
        guard batch.count > 0 || batch.skipped > 0 else { return 0 }
        try await delivery.deliver(&batch, for: core)
        let count = batch.count
        core.commit(delivered: count, skipped: batch.skipped, cursor: batch.cursor, outputs: delivery.outputNames)
        batch.removeAll()
        try await writer.checkpoint()
        return count
    }
}

extension StateWriter {
    /// A checkpoint write that is not optional: its failure stops the pass (exit 74, or a
    /// lost leadership, which the caller answers by not sending).
    func checkpoint() async throws(ForwarderError) {
        do {
            try await persist()
        } catch {
            throw ForwarderError(error)
        }
    }
}
