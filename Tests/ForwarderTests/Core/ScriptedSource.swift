import ActivityJSON
import Foundation
import Forwarder
import MDCA
import Synchronization

/// A page source that plays a script, request by request, the way `ScanClient` behaves:
/// a step may first fail with retries (announcing each wait to the observer and sleeping on
/// the test clock, as the real retry loop does), then answer with a page.
final class ScriptedSource: Sendable {
    enum Step: Sendable {
        /// Answers 200 with these records (JSON objects); `hasNext` pages carry a fresh
        /// `nextQueryFilters`.
        case page([String], hasNext: Bool)
        /// Fails with `error` before each of `waits`, then plays `then`.
        indirect case retries(APIError, waits: [Duration], then: Step)
        /// Fails for good.
        case fail(APIError)
    }

    private let steps = Mutex<[Step]>([])
    private let requests = Mutex<[(fromMs: Int64, untilMs: Int64)]>([])
    let clock: TestClock

    init(clock: TestClock) { self.clock = clock }

    func enqueue(_ step: Step) { steps.withLock { $0.append(step) } }

    /// The ranges of the scans opened so far.
    var scans: [(fromMs: Int64, untilMs: Int64)] { requests.withLock { $0 } }

    var source: ActivityStream.Source {
        { [self] fromMs, untilMs, observer in
            requests.withLock { $0.append((fromMs, untilMs)) }
            return ScanSession(firstFilters: Array("{}".utf8), limit: 500, url: "http://127.0.0.1/api/v1/activities/") {
                [self] _, _ throws(APIError) in
                let step = steps.withLock { s -> Step? in s.isEmpty ? nil : s.removeFirst() }
                return try await play(step ?? .page([], hasNext: false), observer: observer)
            }
        }
    }

    private func play(_ step: Step, observer: APIObserver) async throws(APIError) -> ActivityPage {
        switch step {
        case .page(let records, let hasNext):
            observer(.answered(status: 200))
            let next = hasNext ? #", "nextQueryFilters": {"page": "\#(UUID().uuidString)"}"# : ""
            let body = #"{"data": [\#(records.joined(separator: ","))], "hasNext": \#(hasNext)\#(next)}"#
            do {
                return try ActivityPage.parse(Array(body.utf8))
            } catch {
                throw .invalidPage(url: "scripted", error)
            }
        case .retries(let error, let waits, let then):
            for wait in waits {
                if case .server(_, let status, _) = error { observer(.answered(status: status)) }
                if case .throttled = error { observer(.answered(status: 429)) }
                observer(.retrying(error, delay: wait))
                do { try await clock.sleep(for: wait) } catch { throw .cancelled }
            }
            return try await play(then, observer: observer)
        case .fail(let error):
            throw error
        }
    }

    /// An activity record as the API lists it.
    static func record(_ id: String?, created: Int64?) -> String {
        var fields: [String] = []
        if let id { fields.append(#""_id": "\#(id)""#) }
        if let created { fields.append(#""created": \#(created)"#) }
        fields.append(#""timestamp": \#(created ?? 0)"#)
        fields.append(#""description": "Log on""#)
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
