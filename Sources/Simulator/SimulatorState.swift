import Foundation

/// Everything a running simulator mutates, behind one lock.
struct SimulatorState: Sendable {
    var store = ActivityStore()
    var requestLog: [RequestRecord] = []
    var failure: ForcedFailure?
    var bucket: RequestBudget?
    /// Decides faults and `Retry-After` presence, in request order.
    var faultRNG: SplitMix64
    /// Issued Entra access tokens and their expiry (monotonic seconds).
    var entraTokens: [String: Double] = [:]
    var entraIssued = 0
    /// Records added after the backlog (live rate, `addActivities`), for their random stream.
    var addedCount = 0
    /// The alerts (PRODUCT §9) and how many were added / closed after the backlog.
    var alerts = AlertStore()
    var alertsAdded = 0
    var alertsClosed = 0
}
