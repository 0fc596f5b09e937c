import ActivityJSON
import Foundation
import Forwarder
import MDCA
import Synchronization

/// A tenant that plays a script, request by request, the way `ScanClient` behaves: a step
/// may first fail with retries (announcing each wait to the observer and sleeping on the
/// test clock, as the real retry loop does), then answer with a page. It answers the engine's
/// planned requests (`PageFetching`) for whatever page type they ask.
final class ScriptedSource: PageFetching {
    enum Step: Sendable {
        /// Answers 200 with these records (JSON objects); `hasNext` pages carry a fresh
        /// `nextQueryFilters`.
        case page([String], hasNext: Bool)
        /// Fails with `error` before each of `waits`, then plays `then`.
        indirect case retries(APIError, waits: [Duration], then: Step)
        /// Takes `duration` of test time without announcing it (pacing inside the fetch
        /// allowance), then plays `then`.
        indirect case slow(Duration, then: Step)
        /// Never answers (a wedged request); only cancellation ends it.
        case hang
        /// Fails for good.
        case fail(APIError)
    }

    private let steps = Mutex<[Step]>([])
    private let requests = Mutex<[ListRequest]>([])
    let clock: TestClock

    init(clock: TestClock) { self.clock = clock }

    func enqueue(_ step: Step) { steps.withLock { $0.append(step) } }

    /// Every request sent so far.
    var sent: [ListRequest] { requests.withLock { $0 } }

    /// The ranges of the scans opened so far (first requests carry `created: {gte, lte}`).
    var scans: [(fromMs: Int64, untilMs: Int64)] {
        sent.compactMap { request in
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.filtersJSON)) as? [String: Any],
                  let range = object["created"] as? [String: Any],
                  let from = (range["gte"] as? NSNumber)?.int64Value, let until = (range["lte"] as? NSNumber)?.int64Value
            else { return nil }
            return (from, until)
        }
    }

    func fetch<Page: ListPage>(_ request: ListRequest, as: Page.Type, observer: APIObserver?) async throws(APIError) -> Page {
        requests.withLock { $0.append(request) }
        let step = steps.withLock { s -> Step? in s.isEmpty ? nil : s.removeFirst() }
        return try await play(step ?? .page([], hasNext: false), url: request.url, observer: observer ?? { _ in })
    }

    private func play<Page: ListPage>(_ step: Step, url: String, observer: APIObserver) async throws(APIError) -> Page {
        switch step {
        case .page(let records, let hasNext):
            observer(.answered(status: 200))
            let next = hasNext ? #", "nextQueryFilters": {"page": "\#(UUID().uuidString)"}"# : ""
            let body = #"{"data": [\#(records.joined(separator: ","))], "hasNext": \#(hasNext)\#(next)}"#
            return try Page.decode(Array(body.utf8), url: url)
        case .retries(let error, let waits, let then):
            for wait in waits {
                if case .server(_, let status, _) = error { observer(.answered(status: status)) }
                if case .throttled = error { observer(.answered(status: 429)) }
                observer(.retrying(error, delay: wait))
                do { try await clock.sleep(for: wait) } catch { throw .cancelled }
            }
            return try await play(then, url: url, observer: observer)
        case .slow(let duration, let then):
            do { try await clock.sleep(for: duration) } catch { throw .cancelled }
            return try await play(then, url: url, observer: observer)
        case .hang:
            do { try await clock.sleep(for: .seconds(1_000_000_000)) } catch { throw .cancelled }
            throw .cancelled
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

    /// An alert record as the API lists it (`timestamp` and `date` in ms).
    static func alert(_ id: String, at ms: Int64, closedAt: Int64? = nil) -> String {
        var fields = [#""_id": "\#(id)""#, #""timestamp": \#(ms)"#, #""title": "Impossible travel""#, #""severityValue": 2"#]
        if let closedAt {
            fields.append(#""resolutionStatusValue": 2"#)
            fields.append(#""resolveTime": "\#(ISO8601.string(ms: closedAt))""#)
        } else {
            fields.append(#""resolutionStatusValue": 0"#)
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
