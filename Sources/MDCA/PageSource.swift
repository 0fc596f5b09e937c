import ActivityJSON

/// One planned list request, as a value: where it goes and what it sends. A source plans it;
/// the engine sends it through the tenant's client (one pacer, one retry policy).
public struct ListRequest: Sendable, Equatable {
    public var url: String
    /// The request's `filters` (logs, errors, tests); `body` embeds them byte for byte.
    public var filtersJSON: [UInt8]
    public var body: [UInt8]

    public init(url: String, filtersJSON: [UInt8], body: [UInt8]) {
        self.url = url
        self.filtersJSON = filtersJSON
        self.body = body
    }

    /// The filters as text (tests, logs).
    public var filtersText: String { String(decoding: filtersJSON, as: UTF8.self) }
}

/// A list answer the client can decode: the activities' and the alerts' pages.
public protocol ListPage: Sendable {
    associatedtype Record: Sendable
    var records: [Record] { get }
    var hasNext: Bool { get }
    /// Decodes a 2xx body of `url`; an unusable body is `.invalidPage` (retried).
    static func decode(_ body: [UInt8], url: String) throws(APIError) -> Self
}

extension ActivityPage: ListPage {
    public static func decode(_ body: [UInt8], url: String) throws(APIError) -> ActivityPage {
        do throws(ActivityJSONError) {
            return try parse(body)
        } catch {
            throw .invalidPage(url: url, error)
        }
    }
}

extension AlertPage: ListPage {
    public static func decode(_ body: [UInt8], url: String) throws(APIError) -> AlertPage {
        do throws(ActivityJSONError) {
            return try parse(body)
        } catch {
            throw .invalidPage(url: url, error)
        }
    }
}

/// A stream's request planner, a pure value: it says which request comes next and takes
/// each answer back; it never calls the network itself, so the engine holds the only await
/// (cancellable at shutdown) and nothing is copied in and out of a cancellable closure.
public protocol PageSource: Sendable {
    associatedtype Page: ListPage
    /// The next request, nil when the window is read to its end.
    var nextRequest: ListRequest? { get }
    /// Takes the answer to `nextRequest` and plans the one after it. Throws `.stalled` (or
    /// `.invalidPage`) when the answer cannot be followed; the page is then not delivered.
    mutating func accept(_ page: Page) throws(APIError)
}

/// Sends planned requests: `ScanClient` (pacer, retries, credentials), or a fake in tests.
public protocol PageFetching: Sendable {
    func fetch<Page: ListPage>(_ request: ListRequest, as: Page.Type, observer: APIObserver?) async throws(APIError) -> Page
}

extension PageSource {
    /// Sends the next request through `fetcher` and accepts its answer: the page, or nil when
    /// the window is read to its end (the CLI's `test` command and tests).
    public mutating func next(using fetcher: some PageFetching, observer: APIObserver? = nil) async throws(APIError) -> Page? {
        guard let request = nextRequest else { return nil }
        let page = try await fetcher.fetch(request, as: Page.self, observer: observer)
        try accept(page)
        return page
    }
}
