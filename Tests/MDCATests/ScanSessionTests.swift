import ActivityJSON
import MDCA
import Synchronization
import Testing

/// Serves scripted pages and records every filters body it was asked for.
private final class ScriptedPages: PageFetching {
    private let state: Mutex<(pages: [ActivityPage], requests: [[UInt8]])>
    init(_ pages: [ActivityPage]) { state = Mutex((pages, [])) }
    var requests: [String] { state.withLock { $0.requests.map { String(decoding: $0, as: UTF8.self) } } }

    func fetch<Page: ListPage>(_ request: ListRequest, as: Page.Type, observer: APIObserver?) async throws(APIError) -> Page {
        let page = state.withLock { s -> ActivityPage? in
            s.requests.append(request.filtersJSON)
            return s.pages.isEmpty ? nil : s.pages.removeFirst()
        }
        guard let page = page as? Page else { throw APIError.server(url: "script", status: 599, snippet: "script exhausted") }
        return page
    }

    /// The plan, driven through this script.
    struct Session {
        var plan: ScanSession
        let script: ScriptedPages
        var pageCount: Int { plan.pageCount }
        mutating func next() async throws(APIError) -> ActivityPage? { try await plan.next(using: script) }
    }

    func session(first: String) -> Session {
        Session(plan: ScanSession(firstFilters: Array(first.utf8), limit: 500, url: "http://sim/api/v1/activities/"), script: self)
    }
}

private func page(_ ids: [String], next: String?) -> ActivityPage {
    ActivityPage(records: ids.map { ActivityRecord(id: $0) }, hasNext: next != nil, nextQueryFilters: next.map { Array($0.utf8) }, total: nil)
}

@Test func laterPagesSendNextQueryFiltersVerbatimUntilHasNextIsFalse() async throws {
    let script = ScriptedPages([page(["a", "b"], next: #"{"n":1}"#), page(["c"], next: #"{ "n" : 2 }"#), page(["d"], next: nil)])
    var session = script.session(first: #"{"created":{"gte":1,"lte":2}}"#)
    var ids: [String] = []
    while let p = try await session.next() { ids += p.records.map(\.id) }
    #expect(ids == ["a", "b", "c", "d"])
    #expect(script.requests == [#"{"created":{"gte":1,"lte":2}}"#, #"{"n":1}"#, #"{ "n" : 2 }"#])
    #expect(try await session.next() == nil)
    #expect(session.pageCount == 3)
}

@Test func theSameNextQueryFiltersTwiceWithoutNewRecordsIsAStall() async throws {
    let script = ScriptedPages([
        page(["a", "b"], next: #"{"n":1}"#),
        page(["b"], next: #"{"n":1}"#),      // same filters, nothing new: stuck
        page(["z"], next: nil),
    ])
    var session = script.session(first: "{}")
    _ = try await session.next()
    let error = await #expect(throws: APIError.self) { _ = try await session.next() }
    guard case .stalled(_, let filters)? = error else {
        Issue.record("expected stalled, got \(String(describing: error))")
        return
    }
    #expect(filters == #"{"n":1}"#)
    #expect(error?.description.contains("already seen in this scan") == true)
    #expect(try await session.next() == nil)   // never loops on
    #expect(script.requests.count == 2)
}

/// A hostile or broken API cycling A → B → C → A with nothing new ran `once` for ever.
@Test(arguments: [2, 3, 5])
func aCycleOfNextQueryFiltersWithoutNewRecordsIsAStall(length: Int) async throws {
    let filters = (0..<length).map { #"{"n":\#($0)}"# }
    // Each filter in turn, for ever (the script has far more pages than the guard may follow),
    // each page bringing records already seen.
    let pages = (0..<200).map { i in
        ActivityPage(records: [ActivityRecord(id: "r\(i % length)", created: 1_000 + Int64(i % length))],
                     hasNext: true, nextQueryFilters: Array(filters[i % length].utf8), total: nil)
    }
    let script = ScriptedPages(pages)
    var session = script.session(first: #"{"created":{"gte":1}}"#)
    var thrown: APIError?
    do throws(APIError) {
        while try await session.next() != nil {}
    } catch {
        thrown = error
    }
    guard case .stalled(_, let repeated)? = thrown else {
        Issue.record("expected stalled, got \(String(describing: thrown))")
        return
    }
    #expect(filters.contains(repeated))
    // One lap to see every filter and every record, one more to find nothing new.
    #expect(script.requests.count <= 2 * length + 1)
    #expect(try await session.next() == nil)
}

@Test func aScanThatComesBackToItsFirstFiltersWithNothingNewIsAStall() async throws {
    let script = ScriptedPages([page(["a"], next: #"{"n":1}"#), page(["a"], next: "{}"), page(["a"], next: #"{"n":1}"#), page(["a"], next: "{}")])
    var session = script.session(first: "{}")
    await #expect(throws: APIError.self) { while try await session.next() != nil {} }
    #expect(script.requests.count <= 3)
}

@Test func repeatedFiltersWithNewRecordsAreNotAStall() async throws {
    let script = ScriptedPages([page(["a"], next: #"{"n":1}"#), page(["b"], next: #"{"n":1}"#), page([], next: nil)])
    var session = script.session(first: "{}")
    var count = 0
    while let p = try await session.next() { count += p.records.count }
    #expect(count == 2)
}

@Test func hasNextWithoutNextQueryFiltersIsAnInvalidPage() async throws {
    let script = ScriptedPages([ActivityPage(records: [], hasNext: true, nextQueryFilters: nil, total: nil)])
    var session = script.session(first: "{}")
    await #expect {
        _ = try await session.next()
    } throws: { error in
        guard case APIError.invalidPage = error else { return false }
        return "\(error)".contains("nextQueryFilters is missing")
    }
}
