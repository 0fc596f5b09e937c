import Checkpoint
import Foundation

/// The cursor `checkpoint set --stream` moves.
public enum CheckpointStream: String, Sendable, CaseIterable {
    case activities, alerts
}

extension Commands {
    /// `checkpoint set --since [--stream activities|alerts] [--force]`: rewrites a cursor for
    /// a backfill. Takes the state lock, so it is refused while a daemon runs on the same state
    /// file. `alerts` moves the alert cursor and the closures cursor together (PRODUCT §9: the
    /// resolutions cursor starts where the alert cursor starts). A time in the future is
    /// refused (64) unless `force`: every record until then would be skipped for good.
    public static func checkpointSet(configPath: String?, since: String, stream: CheckpointStream = .activities, force: Bool = false) async -> Int32 {
        let config: ForwarderConfig
        switch loadConfig(configPath, checkSecrets: false) {
        case .success(let loaded): config = loaded.0
        case .failure(let error): return fail(error, code: error.exitCode)
        }
        guard let date = SinceParser.parse(since, now: Date()) else {
            return fail(ForwarderError.usage("--since '\(since)': expected ISO-8601 (2026-11-01T00:00:00Z) or an age (90m, 2d)"), code: 64)
        }
        let now = Date()
        if date > now && !force {
            let when = ISO8601.string(ms: Int64(date.timeIntervalSince1970 * 1000))
            return fail(ForwarderError.usage(
                "--since '\(since)' is in the future (\(when), now \(ISO8601.string(ms: Int64(now.timeIntervalSince1970 * 1000)))): every activity until then would be skipped and never forwarded; give a past time, or add --force if that is really meant"), code: 64)
        }
        let ms = Int64(date.timeIntervalSince1970 * 1000)
        if let etcd = config.state.etcd {
            return await haCheckpointSet(etcd: etcd) { moveCursor(&$0, stream: stream, to: ms) }
        }
        do {
            let lock = try StateLock(statePath: config.state.path)
            defer { lock.close() }
            let file = StateFile(path: config.state.path)
            // This command is the documented recovery for a corrupt or unknown-version file, so
            // an unreadable state is replaced (counters restart) rather than refused.
            var state: ForwarderState
            do {
                state = try file.load() ?? ForwarderState(cursor: Cursor(createdMs: 0, tieIDs: []))
            } catch {
                FileHandle.standardError.write(Data("mdca-forwarder: replacing unreadable state: \(error)\n".utf8))
                state = ForwarderState(cursor: Cursor(createdMs: 0, tieIDs: []))
            }
            let message = moveCursor(&state, stream: stream, to: ms)
            try file.save(state)
            print("\(message) in \(config.state.path)")
            return 0
        } catch {
            return fail(ForwarderError.state(error), code: 74)
        }
    }

    /// Moves one stream's cursor (alerts: with its closures cursor) and says from where to where.
    static func moveCursor(_ state: inout ForwarderState, stream: CheckpointStream, to ms: Int64) -> String {
        switch stream {
        case .activities:
            let old = state.cursor.createdMs
            state.cursor = Cursor(createdMs: ms, tieIDs: [])
            return "cursor moved from \(ISO8601.string(ms: old)) to \(ISO8601.string(ms: ms))"
        case .alerts:
            let old = state.alerts.map { ISO8601.string(ms: $0.cursor.timestampMs) } ?? "unset"
            var alerts = state.alerts ?? AlertStreamState(cursor: AlertCursor(timestampMs: ms))
            alerts.cursor = AlertCursor(timestampMs: ms)
            alerts.closures = AlertCursor(timestampMs: ms)
            state.alerts = alerts
            return "alert cursor moved from \(old) to \(ISO8601.string(ms: ms))"
        }
    }
}
