import Checkpoint
import Formats
import Foundation
import Logging
import MDCA
import Synchronization

/// The single source of truth for one stream (PRODUCT §3, §7, §10): the committed cursor,
/// the current problem and since when, the counters, and the deadline of the step in progress.
///
/// Everything that reports on the stream is a view of this one value: the systemd STATUS line
/// and the watchdog decision (`SystemdService`), the state file (`StateWriter`), the logs, and
/// `/metrics` (`MetricsExporter`). Nothing is copied between types by hand, as a NIO
/// `ChannelPipeline` owns a channel's state and the rest observes it.
///
/// Watchdog contract: every step announces how long it may take (`begin(_:within:)`); a retry
/// announces its own wait (`observe(.retrying)`), which moves the deadline out. A stream
/// waiting for its turn while another one works has no deadline (`waitForTurn`): liveness is
/// the process's, judged on the step that is running. Only a step that overruns the time it
/// announced withholds pings.
public final class StreamCore<Position: StreamPosition>: StreamHealth {
    public struct Snapshot: Sendable, Equatable {
        public var stream: StreamName
        /// The cursor the state file holds: every record up to it was delivered.
        public var committed: Position
        public var problem: Problem?
        /// The most recent problem, kept after it cleared (`status`: "last error").
        public var lastError: Problem?
        /// What the stream is doing (`fetching`, `delivering`, `waiting for next poll`…).
        public var phase = "starting"
        /// When the current step overruns its announced time (monotonic); nil: no deadline.
        public var deadline: Duration?
        /// End of the last scan that reached the present.
        public var lastSuccess: Date?
        public var counters = StreamCounters()
        /// Totals from the state file at start (the state file's counters are lifetime ones).
        public var base = LifetimeTotals()
    }

    public let stream: StreamName
    public let clock: any ForwarderClock
    /// Added to an announced retry wait before the stream counts as wedged: the request that
    /// follows the wait (pacing included) must fit in it too.
    let requestAllowance: Duration
    private let state: Mutex<Snapshot>
    private let logger: Logger

    /// A core restored from the state file: `position` and the lifetime totals as stored.
    public init(
        stream: StreamName, position: Position, totals: LifetimeTotals = LifetimeTotals(), lastSuccess: Date? = nil,
        lastError: (text: String, at: Date?)? = nil, clock: any ForwarderClock, requestAllowance: Duration, logger: Logger
    ) {
        self.stream = stream
        self.clock = clock
        self.requestAllowance = requestAllowance
        var logger = logger
        logger[metadataKey: "stream"] = "\(stream.rawValue)"
        self.logger = logger
        var s = Snapshot(stream: stream, committed: position)
        s.lastSuccess = lastSuccess
        s.base = totals
        if let lastError {
            s.lastError = Problem(source: .pass, text: lastError.text, since: lastError.at ?? clock.wall)
        }
        state = Mutex(s)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
    public var committed: Position { state.withLock { $0.committed } }

    // MARK: Steps and the watchdog

    /// Announces the next step and how long it may take before the stream counts as wedged.
    public func begin(_ phase: String, within limit: Duration) {
        let deadline = clock.now + limit
        state.withLock {
            $0.phase = phase
            $0.deadline = deadline
        }
    }

    /// Another stream has the turn: this one waits without a deadline of its own (the running
    /// stream's step is what the watchdog judges).
    public func waitForTurn() {
        state.withLock {
            $0.phase = "waiting for its turn"
            $0.deadline = nil
        }
    }

    /// True while the stream is inside the time it announced for its current step.
    public func isAlive(at now: Duration) -> Bool {
        state.withLock { s in s.deadline.map { now <= $0 } ?? true }
    }

    // MARK: Problems

    /// Sets the current problem of `source` (nil clears it, if it is `source`'s). Logs and
    /// returns true only on a change, so that a retry loop does not flood the journal.
    @discardableResult
    public func report(_ source: Problem.Source, _ text: String?) -> Bool {
        let now = clock.wall
        let change: (old: Problem?, new: Problem?)? = state.withLock { s in
            if let text {
                if s.problem?.source == source && s.problem?.text == text { return nil }
                let since = s.problem?.source == source ? (s.problem?.since ?? now) : now
                let problem = Problem(source: source, text: text, since: since)
                let old = s.problem
                s.problem = problem
                s.lastError = problem
                return (old, problem)
            }
            guard let old = s.problem, old.source == source else { return nil }
            s.problem = nil
            return (old, nil)
        }
        guard let change else { return false }
        if let new = change.new {
            // A changing retry countdown is not news: log only a new cause.
            if change.old?.source != new.source || !Self.sameCause(change.old?.text, new.text) {
                logger.warning("stream problem", metadata: ["problem": "\(new.text)"])
            }
        } else if let old = change.old {
            logger.notice("stream recovered", metadata: [
                "problem": "\(old.text)",
                "problem.duration_s": "\(Int(now.timeIntervalSince(old.since)))",
            ])
        }
        return true
    }

    /// Two problem texts name the same cause when they differ only in the countdown.
    static func sameCause(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        func cause(_ s: String) -> Substring { s.split(separator: ", retrying in ", maxSplits: 1).first ?? Substring(s) }
        return cause(a) == cause(b)
    }

    // MARK: API events

    /// The page source's events (PRODUCT §3): counts every answer, turns every announced retry
    /// into the current problem with its countdown and moves the step deadline past the wait;
    /// the first 2xx clears the API problem.
    public func observe(_ event: APIEvent) {
        switch event {
        case .answered(let status):
            state.withLock {
                $0.counters.apiRequests[String(status), default: 0] += 1
                if status == 429 { $0.counters.throttled += 1 }
            }
            if (200..<300).contains(status) { report(.api, nil) }
        case .unanswered:
            state.withLock { $0.counters.apiRequests["error", default: 0] += 1 }
        case .retrying(let error, let delay):
            let text = "API unavailable: \(error.shortCause), retrying in \(HumanDuration.format(delay))"
            report(.api, text)
            begin("waiting to retry the API", within: delay + requestAllowance)
        }
    }

    /// The observer to hand to the page source.
    public var apiObserver: APIObserver { { [self] event in observe(event) } }

    // MARK: Records and the cursor

    public func received(page records: Int) {
        state.withLock {
            $0.counters.pages += 1
            $0.counters.received += UInt64(records)
        }
    }

    /// A record delivered despite a service fault: logged (with its id, never its content)
    /// and counted.
    public func anomalous(_ anomaly: Anomaly) {
        anomalous(anomaly.reason, id: anomaly.id, created: anomaly.created)
    }

    public func anomalous(_ reason: AnomalyReason, id: String, created: Int64?) {
        state.withLock { $0.counters.anomalous[reason, default: 0] += 1 }
        if reason == .millisecondWiderThanPage {
            logger.warning("a full page held records of one created millisecond only; the service may not list the rest of that millisecond: raise activities.page_size", metadata: [
                "record.created": "\(created.map(String.init) ?? "-")", "anomaly": "\(reason.rawValue)",
            ])
            return
        }
        logger.warning("record outside what the query asked for; delivered anyway", metadata: [
            "record.id": "\(id)", "record.created": "\(created.map(String.init) ?? "-")", "anomaly": "\(reason.rawValue)",
        ])
    }

    /// The cap changed a record's message for some output: counted; a replaced one (its
    /// content lost in that output) is logged with its id.
    public func capped(_ outcome: MessageEncoder.Outcome, id: String) {
        let key = outcome == .replaced ? "replaced" : "shortened"
        state.withLock { $0.counters.capped[key, default: 0] += 1 }
        if outcome == .replaced {
            logger.warning("record too large for max_message_bytes even with its strings cut; sent as a stand-in naming its id", metadata: ["record.id": "\(id)"])
        }
    }

    /// Every output accepted a batch: the committed cursor moves to the batch's.
    public func commit(delivered: Int, skipped: Int, cursor: Position, outputs: [String]) {
        state.withLock {
            $0.committed = cursor
            $0.counters.delivered += UInt64(delivered)
            $0.counters.skipped += UInt64(skipped)
            for name in outputs { $0.counters.sent[name, default: 0] += UInt64(delivered) }
        }
    }

    /// A window was read to its end and delivered, and its policy moved the position past
    /// it without a batch (alert closures); the next checkpoint stores it.
    public func completed(window position: Position) {
        state.withLock { $0.committed = position }
    }

    /// A scan reached the present (`now − settle_time`) without error.
    public func scanReachedPresent(at date: Date) {
        state.withLock { $0.lastSuccess = date }
    }

    // MARK: Views

    /// The lifetime totals the state file keeps for this stream.
    public var totals: LifetimeTotals {
        state.withLock { s in
            LifetimeTotals(forwarded: s.base.forwarded + s.counters.delivered, pages: s.base.pages + s.counters.pages,
                           skipped: s.base.skipped + s.counters.skipped)
        }
    }

    /// Records forwarded over the state file's lifetime.
    public var forwardedTotal: UInt64 { totals.forwarded }

    public var health: HealthSnapshot {
        let s = snapshot
        return HealthSnapshot(
            stream: stream, positionMs: s.committed.timestampMs, problem: s.problem, lastError: s.lastError,
            phase: s.phase, lastSuccess: s.lastSuccess, counters: s.counters)
    }

    /// This stream's part of the systemd STATUS= line: cursor time, lag, forwarded count, and
    /// the current problem or, when there is none, what it is doing.
    public func statusLine(now: Date) -> String {
        let s = snapshot
        let cursor = Date(timeIntervalSince1970: Double(s.committed.timestampMs) / 1000)
        var parts = [
            "cursor \(ISO8601.string(cursor))",
            "lag \(HumanDuration.format(seconds: max(0, now.timeIntervalSince(cursor))))",
            "forwarded \(s.base.forwarded + s.counters.delivered)",
        ]
        if let problem = s.problem {
            parts.append("problem: \(problem.text) (since \(ISO8601.string(problem.since)))")
        } else {
            parts.append(s.phase)
        }
        return parts.joined(separator: ", ")
    }
}

extension APIError {
    /// The cause in a few words, for a STATUS line ("HTTP 503", "no answer: timeout").
    public var shortCause: String {
        switch self {
        case .server(_, let status, _): "HTTP \(status)"
        case .throttled: "throttled (HTTP 429)"
        case .transport(let error) where error.kind == .tooLarge: "answer over the size cap"
        case .transport(let error): "no answer (\(error.kind))"
        case .invalidPage: "unusable response"
        case .tokenEndpoint(_, let status, _, _): status == 0 ? "token endpoint: unusable reply" : "token endpoint: HTTP \(status)"
        case .badRequest: "HTTP 400"
        case .unauthorized: "HTTP 401"
        case .forbidden: "HTTP 403"
        case .notFound: "HTTP 404"
        case .stalled: "scan stalled"
        case .redirected(_, let status, let location): "HTTP \(status) redirect to \(location)"
        case .cancelled: "cancelled"
        }
    }
}
