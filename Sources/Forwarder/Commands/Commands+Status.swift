import Checkpoint
import Foundation

extension Commands {
    /// `status`: what the state file says, for people or (`--json`) for machines.
    public static func status(configPath: String?, json: Bool) async -> Int32 {
        let config: ForwarderConfig
        switch loadConfig(configPath, checkSecrets: false) {
        case .success(let loaded): config = loaded.0
        case .failure(let error): return fail(error, code: error.exitCode)
        }
        if let etcd = config.state.etcd { return await haStatus(config: config, etcd: etcd, json: json) }
        let state: ForwarderState?
        do {
            state = try StateFile(path: config.state.path).load()
        } catch {
            return fail(ForwarderError.state(error), code: 74)
        }
        let report = StatusReport(statePath: config.state.path, state: state, now: Date())
        print(json ? report.json() : report.text())
        return 0
    }
}

/// The `status` output, built from the state file alone so it works whether or not the
/// daemon runs (the daemon writes its current problem into the state file).
struct StatusReport {
    var statePath: String
    var state: ForwarderState?
    var now: Date
    /// With `state.etcd`: who leads and this instance's role.
    var coordination: Coordination?

    struct Coordination {
        var instance: String
        var leader: String?
        var since: String?
        var role: String
    }

    private var lagSeconds: Double? {
        state.map { max(0, now.timeIntervalSince1970 - Double($0.cursor.createdMs) / 1000) }
    }

    func text() -> String {
        var lead: [(String, String)] = []
        if let c = coordination {
            lead = [("role", "\(c.role) (instance \(c.instance))"),
                    ("leader", c.leader.map { "\($0) since \(c.since ?? "?")" } ?? "none")]
        }
        let leadText = lead.map { "\($0.0 + ":")\(String(repeating: " ", count: max(1, 22 - $0.0.count)))\($0.1)\n" }.joined()
        guard let state else {
            return leadText + "state file:        \(statePath) (none yet: the first start begins initial_lookback before now)"
        }
        var rows: [(String, String)] = [
            ("cursor", "\(ISO8601.string(ms: state.cursor.createdMs)) (\(state.cursor.tieIDs.count) record(s) delivered at that millisecond)"),
            ("lag", lagSeconds.map { HumanDuration.format(seconds: $0) } ?? "-"),
            ("last successful poll", state.lastSuccessfulPoll.map(ISO8601.string) ?? "never"),
            ("records forwarded", "\(state.counters.recordsForwarded)"),
            ("pages fetched", "\(state.counters.pagesFetched)"),
            ("current problem", state.counters.currentProblem ?? "none"),
            ("last error", state.counters.lastError.map { e in "\(e) at \(state.counters.lastErrorAt.map(ISO8601.string) ?? "?")" } ?? "none"),
        ]
        if let alerts = state.alerts {
            let c = alerts.counters
            rows += [
                ("alerts cursor", "\(ISO8601.string(ms: alerts.cursor.timestampMs)) (lag \(HumanDuration.format(seconds: max(0, now.timeIntervalSince1970 - Double(alerts.cursor.timestampMs) / 1000))))"),
                ("alert closures cursor", alerts.closures.map { ISO8601.string(ms: $0.timestampMs) } ?? "off"),
                ("alerts forwarded", "\(c.recordsForwarded)"),
                ("alerts problem", c.currentProblem ?? "none"),
                ("alerts last error", c.lastError.map { e in "\(e) at \(c.lastErrorAt.map(ISO8601.string) ?? "?")" } ?? "none"),
            ]
        }
        rows.append(("state file", statePath))
        return leadText + rows.map { "\($0.0 + ":")\(String(repeating: " ", count: max(1, 22 - $0.0.count)))\($0.1)" }.joined(separator: "\n")
    }

    func json() -> String {
        var object: [String: Any] = ["stateFile": statePath]
        if let c = coordination {
            object["role"] = c.role
            object["instance"] = c.instance
            object["leader"] = c.leader ?? NSNull()
            object["leaderSince"] = c.since ?? NSNull()
        }
        if let state {
            object["cursor"] = ISO8601.string(ms: state.cursor.createdMs)
            object["cursorMs"] = state.cursor.createdMs
            object["cursorTieCount"] = state.cursor.tieIDs.count
            object["lagSeconds"] = Int(lagSeconds ?? 0)
            object["lastSuccessfulPoll"] = state.lastSuccessfulPoll.map(ISO8601.string) ?? NSNull()
            object["recordsForwarded"] = state.counters.recordsForwarded
            object["pagesFetched"] = state.counters.pagesFetched
            object["problem"] = state.counters.currentProblem ?? NSNull()
            object["lastError"] = state.counters.lastError ?? NSNull()
            if let alerts = state.alerts {
                object["alerts"] = [
                    "cursor": ISO8601.string(ms: alerts.cursor.timestampMs),
                    "cursorMs": alerts.cursor.timestampMs,
                    "closuresCursorMs": alerts.closures.map { $0.timestampMs as Any } ?? NSNull(),
                    "recordsForwarded": alerts.counters.recordsForwarded,
                    "pagesFetched": alerts.counters.pagesFetched,
                    "problem": alerts.counters.currentProblem ?? NSNull(),
                    "lastError": alerts.counters.lastError ?? NSNull(),
                ] as [String: Any]
            }
        } else {
            object["cursor"] = NSNull()
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8)
        else { return "{}" }
        return text
    }
}
