import Checkpoint
import MDCA

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

/// The alerts stream (PRODUCT §9, docs/ALERTS.md): the alert window
/// `[cursor − overlap, now − settle_time]`, then, with closures on, the closures window
/// (read only once the alert window completed: the engine stops at an incomplete window).
public struct AlertSource: StreamSource {
    /// The alerts list endpoint (`ScanClient.alertsURL`).
    public let url: String
    public let filters: [String: FilterValue]
    public let overlapMs: Int64
    public let resolutions: Bool
    public let maxExcludedIDs: Int

    public init(url: String, filters: [String: FilterValue] = [:], overlapMs: Int64, resolutions: Bool,
                maxExcludedIDs: Int = AlertScan.defaultMaxExcludedIDs) {
        self.url = url
        self.filters = filters
        self.overlapMs = overlapMs
        self.resolutions = resolutions
        self.maxExcludedIDs = maxExcludedIDs
    }

    public func windows(from position: AlertPosition, untilMs: Int64) -> [StreamWindow<AlertScan, AlertPolicy>] {
        var windows = [window(.alerts, "fetching alerts", from: position.cursor, untilMs: untilMs)]
        if resolutions {
            // Closures start where the alert cursor starts (PRODUCT §9).
            windows.append(window(.closures, "fetching alert closures", from: position.closures ?? position.cursor, untilMs: untilMs))
        }
        return windows
    }

    private func window(_ kind: AlertScan.Kind, _ phase: String, from cursor: AlertCursor, untilMs: Int64) -> StreamWindow<AlertScan, AlertPolicy> {
        let plan = AlertScan(kind: kind, fromMs: cursor.timestampMs, untilMs: untilMs, overlapMs: overlapMs,
                             configuredFilters: filters, maxExcludedIDs: maxExcludedIDs, url: url)
        return StreamWindow(phase: phase, plan: plan,
                            policy: AlertPolicy(kind: kind, known: cursor, lowerMs: plan.lowerMs, untilMs: untilMs, overlapMs: plan.overlapMs))
    }
}
