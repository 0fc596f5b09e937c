/// One response of the Alerts API's list mode: `{"data": [...], "hasNext": bool, "total": n}`.
public struct AlertPage: Sendable, Equatable {
    public var records: [AlertRecord]
    public var hasNext: Bool
    public var total: Int?

    public init(records: [AlertRecord], hasNext: Bool, total: Int?) {
        self.records = records
        self.hasNext = hasNext
        self.total = total
    }
}
