import ActivityJSON
import MDCA
import ServiceLifecycle

/// A scan that yields pages until it is complete: the activities' `ScanSession`, the alerts'
/// `AlertScan`.
public protocol PageSession: Sendable {
    associatedtype Page: Sendable
    mutating func next() async throws(APIError) -> Page?
}

extension ScanSession: PageSession {}
extension AlertScan: PageSession {}

extension PageSession {
    /// The next page. The request, and any retry wait inside it, is the only thing graceful
    /// shutdown cancels (`.cancelled`); the scan's state moves only when a page came back.
    mutating func nextUnlessStopping() async throws(APIError) -> Page? {
        let current = self
        let outcome: Result<(Page?, Self), APIError> = await cancelWhenGracefulShutdown {
            var session = current
            do throws(APIError) {
                let page = try await session.next()
                return .success((page, session))
            } catch {
                return .failure(error)
            }
        }
        let (page, advanced) = try outcome.get()
        self = advanced
        return page
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

extension Delivery {
    /// Delivers the batch to every output, then moves the stream's position to the batch's
    /// and writes the checkpoint (in that order: the checkpoint never covers an undelivered
    /// record). Returns how many records were delivered.
    func flush<P>(_ batch: inout Batch<P>, core: StreamCore<P>, writer: StateWriter) async throws(ForwarderError) -> Int {
        guard batch.count > 0 || batch.skipped > 0 else { return 0 }
        core.encodedAhead(to: batch.cursor)
        try await deliver(&batch, for: core)
        let count = batch.count
        core.commit(delivered: count, skipped: batch.skipped, cursor: batch.cursor, outputs: outputNames)
        batch.removeAll()
        try await writer.checkpoint()
        return count
    }
}
