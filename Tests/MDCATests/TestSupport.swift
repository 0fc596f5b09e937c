import Curl
import InMemoryLogging
import Logging
import MDCA
import Simulator

extension InMemoryLogHandler {
    /// A logger writing into this handler at every level; installed per logger, never through
    /// `LoggingSystem.bootstrap`.
    func logger(_ label: String = "mdca.test") -> Logger {
        var logger = Logger(label: label) { _ in self }
        logger.logLevel = .trace
        return logger
    }
}

extension InMemoryLogHandler.Entry {
    /// Everything the line carries — message, metadata and error — for leak checks.
    var text: String {
        let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(level) \(message) \(fields)\(error.map { " error=\($0)" } ?? "")"
    }
}

/// Runs `body` with an in-process simulator on 127.0.0.1 (port 0), stopped afterwards.
func withSimulator(_ options: SimulatorOptions, _ body: (SimulatorServer) async throws -> Void) async throws {
    var options = options
    options.host = "127.0.0.1"
    options.port = 0
    let server = SimulatorServer(options: options)
    _ = try await server.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// A client for `server` with test-speed retries (10–100 ms backoff) unless told otherwise.
func makeClient(
    _ server: SimulatorServer, auth: any Authenticator = TokenAuthenticator(token: Secret("sim-token")),
    rpm: Int = 6000, retry: RetryPolicy? = nil, logs: InMemoryLogHandler = InMemoryLogHandler(), http: HTTPClient? = nil
) throws -> ScanClient {
    let policy = retry ?? RetryPolicy(
        maxAttempts: 50, backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(100)),
        throttleWait: .milliseconds(200), throttleJitter: .milliseconds(50))
    return ScanClient(
        baseURL: server.baseURL, authenticator: auth, http: try http ?? HTTPClient(options: HTTPClientOptions(totalTimeout: .seconds(20))),
        pacer: Pacer(requestsPerMinute: rpm), logger: logs.logger(), retry: policy)
}

/// Every record of a whole-backlog scan, in the order received.
func scanAll(_ client: ScanClient, limit: Int) async throws -> (ids: [String], created: [Int64]) {
    var session = client.scan(from: 0, until: farFutureMs, limit: limit)
    var ids: [String] = []
    var created: [Int64] = []
    while let page = try await session.next(using: client) {
        ids += page.records.map(\.id)
        created += page.records.map { $0.created ?? -1 }
    }
    return (ids, created)
}

/// 2100-01-01: past every simulated `created`.
let farFutureMs: Int64 = 4_102_444_800_000
