import Foundation

extension SimulatorServer {
    /// Everything stored, as text for a driver outside the process (`make soak`): one line per
    /// record, `activity <_id> <created ms>` in scan order, then `alert <_id> <timestamp ms>`
    /// in list order. Read straight from the store, so API faults and throttling do not apply.
    /// Call after `stopLive()` for a final list.
    public func inventory() async -> String {
        core.state.withLock { s in
            var out = ""
            out.reserveCapacity((s.store.items.count + s.alerts.items.count) * 90)
            for a in s.store.items { out += "activity \(a.id) \(a.created)\n" }
            for a in s.alerts.items { out += "alert \(a.id) \(a.timestamp)\n" }
            return out
        }
    }
}
