/// Request bodies of `POST {base}/api/v1/alerts/` in list mode (PRODUCT §9). The Alerts API
/// has no scan mode: pages are `filters` + `sortField`/`sortDirection` + `limit`/`skip`.
public enum AlertRequest {
    /// With an API token, list requests return at most 100 alerts (api-introduction.md).
    public static let maxLimit = 100

    /// `{"filters":F,"sortField":"date","sortDirection":"asc","limit":L,"skip":S}`; `limit`
    /// is clamped into 1...100, a negative `skip` counts as 0.
    public static func body(filtersJSON: [UInt8], limit: Int, skip: Int) -> [UInt8] {
        let clamped = min(max(limit, 1), maxLimit)
        var out: [UInt8] = []
        out.reserveCapacity(filtersJSON.count + 96)
        out.append(contentsOf: Array(#"{"filters":"#.utf8))
        out.append(contentsOf: filtersJSON)
        out.append(contentsOf: Array(#","sortField":"date","sortDirection":"asc","limit":"#.utf8))
        out.append(contentsOf: Array(String(clamped).utf8))
        out.append(contentsOf: Array(#","skip":"#.utf8))
        out.append(contentsOf: Array(String(max(skip, 0)).utf8))
        out.append(UInt8(ascii: "}"))
        return out
    }
}
