import Checkpoint
import MDCA

/// The activities stream (PRODUCT §3): one created-ordered scan a pass, from the committed
/// cursor's millisecond to `now − settle_time`.
public struct ActivitySource: StreamSource {
    /// The activities list endpoint (`ScanClient.listURL`).
    public let url: String
    public let filters: [String: FilterValue]
    public let pageSize: Int

    public init(url: String, filters: [String: FilterValue] = [:], pageSize: Int = ScanRequest.defaultLimit) {
        self.url = url
        self.filters = filters
        self.pageSize = pageSize
    }

    public func windows(from position: Cursor, untilMs: Int64) -> [StreamWindow<ScanSession, ActivityPolicy>] {
        guard position.createdMs <= untilMs else { return [] }
        let plan = ScanSession(
            firstFilters: ScanRequest.firstPageFilters(configured: filters, fromMs: position.createdMs, untilMs: untilMs),
            limit: pageSize, url: url)
        return [StreamWindow(phase: "fetching", plan: plan, policy: ActivityPolicy(fromMs: position.createdMs, untilMs: untilMs))]
    }
}

/// The activities stream's core.
public typealias ActivityCore = StreamCore<Cursor>

extension Cursor: StreamPosition {
    public var timestampMs: Int64 { createdMs }
}
