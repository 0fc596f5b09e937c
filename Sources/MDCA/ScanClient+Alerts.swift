import ActivityJSON

/// The Alerts API (PRODUCT §9) on the same client: the same pacer (one 30/min budget per
/// tenant for both streams), the same retry policy and credentials, through `perform`.
extension ScanClient {
    /// `POST {base}/api/v1/alerts/` (list mode).
    public var alertsURL: String { "\(baseURL)/api/v1/alerts/" }

    /// Fetches one page of alerts: `filtersJSON` is sent as `filters` byte for byte, sorted
    /// by `date` asc, `limit` clamped to 1...100 (the token cap).
    public func fetchAlertPage(filtersJSON: [UInt8], limit: Int, skip: Int, observer: APIObserver? = nil) async throws(APIError) -> AlertPage {
        let request = ListRequest(url: alertsURL, filtersJSON: filtersJSON,
                                  body: AlertRequest.body(filtersJSON: filtersJSON, limit: limit, skip: skip))
        return try await fetch(request, as: AlertPage.self, observer: observer)
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

    /// The request plan of an alert (or closure) window behind `fromMs` up to `untilMs`, on
    /// this client's endpoint.
    /// - Parameter configuredFilters: `alerts.filters`, validated against ``AlertFilterTable``.
    public func alertScan(
        _ kind: AlertScan.Kind, fromMs: Int64, untilMs: Int64, overlapMs: Int64,
        configuredFilters: [String: FilterValue] = [:], maxExcludedIDs: Int = AlertScan.defaultMaxExcludedIDs
    ) -> AlertScan {
        AlertScan(kind: kind, fromMs: fromMs, untilMs: untilMs, overlapMs: overlapMs,
                  configuredFilters: configuredFilters, maxExcludedIDs: maxExcludedIDs, url: alertsURL)
    }
}
