/// Request bodies of `POST {base}/api/v1/activities/` in scan mode (PRODUCT §2, §3 "Query").
public enum ScanRequest {
    /// The page sizes the API accepts.
    public static let limitRange: ClosedRange<Int> = 500...5000
    /// The API's default page size.
    public static let defaultLimit = 500

    /// `{"filters":F,"isScan":true,"sortField":"created","sortDirection":"asc","limit":L}`.
    /// `filtersJSON` is inserted byte for byte: later pages send `nextQueryFilters` back
    /// verbatim, as the API requires. `limit` is clamped into `limitRange`.
    public static func body(filtersJSON: [UInt8], limit: Int) -> [UInt8] {
        let clamped = min(max(limit, limitRange.lowerBound), limitRange.upperBound)
        var out: [UInt8] = []
        out.reserveCapacity(filtersJSON.count + 96)
        out.append(contentsOf: Array(#"{"filters":"#.utf8))
        out.append(contentsOf: filtersJSON)
        out.append(contentsOf: Array(#","isScan":true,"sortField":"created","sortDirection":"asc","limit":"#.utf8))
        out.append(contentsOf: Array(String(clamped).utf8))
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The first page's filters: the configured (validated) filters AND
    /// `"created": {"gte": cursorMs, "lte": untilMs}`. The forwarder owns `created`; a
    /// configured one is replaced (the validator refuses it anyway).
    public static func firstPageFilters(
        configured: [String: FilterValue], fromMs cursorMs: Int64, untilMs: Int64
    ) -> [UInt8] {
        var filters = configured
        filters[FilterTable.createdField.name] = .object(["gte": .int(cursorMs), "lte": .int(untilMs)])
        return FilterValue.object(filters).jsonBytes()
    }
}
