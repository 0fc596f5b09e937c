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

    var lagSeconds: Double? {
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(StatusJSON(self)), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}

/// `status --json`: the machine-readable document. Absent values are `null`, never left out,
/// so that a script reads one shape whether or not the daemon has run.
private struct StatusJSON: Encodable {
    struct Alerts: Encodable {
        var cursor: String
        var cursorMs: Int64
        var closuresCursorMs: Int64?
        var recordsForwarded: UInt64
        var pagesFetched: UInt64
        var problem: String?
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case cursor, cursorMs, closuresCursorMs, recordsForwarded, pagesFetched, problem, lastError
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cursor, forKey: .cursor)
            try c.encode(cursorMs, forKey: .cursorMs)
            try c.encode(closuresCursorMs, forKey: .closuresCursorMs)
            try c.encode(recordsForwarded, forKey: .recordsForwarded)
            try c.encode(pagesFetched, forKey: .pagesFetched)
            try c.encode(problem, forKey: .problem)
            try c.encode(lastError, forKey: .lastError)
        }
    }

    struct Stream {
        var cursor: String
        var cursorMs: Int64
        var cursorTieCount: Int
        var lagSeconds: Int
        var lastSuccessfulPoll: String?
        var recordsForwarded: UInt64
        var pagesFetched: UInt64
        var problem: String?
        var lastError: String?
        var alerts: Alerts?
    }

    var stateFile: String
    /// With `state.etcd`: this instance's role and who leads.
    var coordination: StatusReport.Coordination?
    /// Nil before the first start: then only `cursor: null` and the path are written.
    var stream: Stream?

    init(_ report: StatusReport) {
        stateFile = report.statePath
        coordination = report.coordination
        guard let state = report.state else { return }
        stream = Stream(
            cursor: ISO8601.string(ms: state.cursor.createdMs), cursorMs: state.cursor.createdMs,
            cursorTieCount: state.cursor.tieIDs.count,
            lagSeconds: Int(report.lagSeconds ?? 0),
            lastSuccessfulPoll: state.lastSuccessfulPoll.map(ISO8601.string),
            recordsForwarded: state.counters.recordsForwarded, pagesFetched: state.counters.pagesFetched,
            problem: state.counters.currentProblem, lastError: state.counters.lastError,
            alerts: state.alerts.map { alerts in
                Alerts(cursor: ISO8601.string(ms: alerts.cursor.timestampMs), cursorMs: alerts.cursor.timestampMs,
                       closuresCursorMs: alerts.closures?.timestampMs,
                       recordsForwarded: alerts.counters.recordsForwarded, pagesFetched: alerts.counters.pagesFetched,
                       problem: alerts.counters.currentProblem, lastError: alerts.counters.lastError)
            })
    }

    enum Keys: String, CodingKey {
        case stateFile, cursor, cursorMs, cursorTieCount, lagSeconds, lastSuccessfulPoll, recordsForwarded,
             pagesFetched, problem, lastError, alerts, role, instance, leader, leaderSince
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(stateFile, forKey: .stateFile)
        if let coordination {
            try c.encode(coordination.role, forKey: .role)
            try c.encode(coordination.instance, forKey: .instance)
            try c.encode(coordination.leader, forKey: .leader)
            try c.encode(coordination.since, forKey: .leaderSince)
        }
        guard let stream else {
            try c.encodeNil(forKey: .cursor)
            return
        }
        try c.encode(stream.cursor, forKey: .cursor)
        try c.encode(stream.cursorMs, forKey: .cursorMs)
        try c.encode(stream.cursorTieCount, forKey: .cursorTieCount)
        try c.encode(stream.lagSeconds, forKey: .lagSeconds)
        try c.encode(stream.lastSuccessfulPoll, forKey: .lastSuccessfulPoll)
        try c.encode(stream.recordsForwarded, forKey: .recordsForwarded)
        try c.encode(stream.pagesFetched, forKey: .pagesFetched)
        try c.encode(stream.problem, forKey: .problem)
        try c.encode(stream.lastError, forKey: .lastError)
        try c.encodeIfPresent(stream.alerts, forKey: .alerts)
    }
}
