import FlyingFox
import FlyingSocks

/// A FlyingFox server on 127.0.0.1, port chosen by the kernel, stopped by `stop()`.
struct LocalHTTPServer {
    let server: HTTPServer
    let port: Int
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:<port>`
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts a server; `handler` serves every request no route took (absolute-URI requests too).
    static func start(
        handler: (any HTTPHandler)? = nil,
        routes: (HTTPServer) async -> Void = { _ in }
    ) async throws -> LocalHTTPServer {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled, handler: handler)
        await routes(server)
        let task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 60)   // a whole test run starting at once on 2 cores can take more than the default 5 s
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            task.cancel()
            throw TestFailure("server has no IPv4 listening address")
        }
        return LocalHTTPServer(server: server, port: Int(port), task: task)
    }

    func stop() async {
        await server.stop()
        task.cancel()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
