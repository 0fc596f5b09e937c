import ActivityJSON
import Checkpoint

/// The Alerts API (PRODUCT §9) on the same client: the same pacer (one 30/min budget per
/// tenant for both streams), the same retry policy and credentials, through `perform`.
extension ScanClient {
    /// `POST {base}/api/v1/alerts/` (list mode).
    public var alertsURL: String { "\(baseURL)/api/v1/alerts/" }

    /// Fetches one page of alerts: `filtersJSON` is sent as `filters` byte for byte, sorted
    /// by `date` asc, `limit` clamped to 1...100 (the token cap).
    public func fetchAlertPage(filtersJSON: [UInt8], limit: Int, skip: Int, observer: APIObserver? = nil) async throws(APIError) -> AlertPage {
        let url = alertsURL
        return try await perform(method: "POST", url: url, body: AlertRequest.body(filtersJSON: filtersJSON, limit: limit, skip: skip),
                                 observer: observer) {
            body throws(APIError) in
            do throws(ActivityJSONError) {
                return try AlertPage.parse(body)
            } catch {
                throw .invalidPage(url: url, error)
            }
        }
    }

    /// `GET {base}/api/v1/alerts/{id}/`.
    public func fetchAlert(id: String) async throws(APIError) -> AlertRecord {
        let url = "\(baseURL)/api/v1/alerts/\(FormEncoding.percentEncodePathSegment(id))/"
        return try await perform(method: "GET", url: url, body: nil) { body throws(APIError) in
            do throws(ActivityJSONError) {
                return try AlertRecord.parse(body)
            } catch {
                throw .invalidPage(url: url, error)
            }
        }
    }

    /// An alert (or closure) scan of the window behind `cursor` up to `untilMs`, fetching
    /// through this client.
    /// - Parameter configuredFilters: `alerts.filters`, validated against ``AlertFilterTable``.
    public func alertScan(
        _ kind: AlertScan.Kind, cursor: AlertCursor, untilMs: Int64, overlapMs: Int64,
        configuredFilters: [String: FilterValue] = [:], observer: APIObserver? = nil
    ) -> AlertScan {
        AlertScan(kind: kind, cursor: cursor, untilMs: untilMs, overlapMs: overlapMs,
                  configuredFilters: configuredFilters, url: alertsURL) { filters, limit, skip throws(APIError) in
            try await self.fetchAlertPage(filtersJSON: filters, limit: limit, skip: skip, observer: observer)
        }
    }
}
