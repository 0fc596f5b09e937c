import FlyingFox
import FlyingSocks
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The `/metrics` listener (PRODUCT §10): FlyingFox, already in the package for the simulator,
/// keeps SwiftNIO out of the daemon. Bound before READY=1, so that a taken port is a start-up
/// error naming `metrics.listen`, not a silent gap in monitoring.
public final class MetricsService: Service, Sendable {
    private let server: HTTPServer
    private let serverTask: Task<Void, any Error>
    public let port: Int

    private init(server: HTTPServer, serverTask: Task<Void, any Error>, port: Int) {
        self.server = server
        self.serverTask = serverTask
        self.port = port
    }

    /// Binds `listen` and serves `GET /metrics` from `exporter`.
    public static func start(listen: MetricsConfig, exporter: MetricsExporter, logger: Logger) async throws(ForwarderError) -> MetricsService {
        let address: any SocketAddress
        do {
            address = listen.host.contains(":")
                ? try sockaddr_in6.inet6(ip6: listen.host, port: UInt16(listen.port))
                : try sockaddr_in.inet(ip4: listen.host, port: UInt16(listen.port))
        } catch {
            throw .usage("metrics.listen \(listen.listen): not an IP address")
        }
        let server = HTTPServer(config: .init(address: address, timeout: 15, logger: .disabled),
                                handler: ClosureHTTPHandler { request in
                                    guard request.path == "/metrics" else {
                                        return HTTPResponse(statusCode: .notFound, body: Data("only /metrics is served here\n".utf8))
                                    }
                                    guard request.method == .GET || request.method == .HEAD else {
                                        return HTTPResponse(statusCode: .methodNotAllowed)
                                    }
                                    return HTTPResponse(
                                        statusCode: .ok,
                                        headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                        body: Data(exporter.render()))
                                })
        let failure = Mutex<String?>(nil)
        let serverTask = Task {
            do { try await server.run() } catch {
                failure.withLock { $0 = "\(error)" }
                throw error
            }
        }
        // run() either starts listening or throws (address in use, no such address) at once.
        let deadline = ContinuousClock.now + .seconds(10)
        while await !server.isListening {
            if let reason = failure.withLock({ $0 }) {
                throw .listen("cannot listen on metrics.listen \(listen.listen): \(reason)")
            }
            guard ContinuousClock.now < deadline else {
                serverTask.cancel()
                throw .listen("cannot listen on metrics.listen \(listen.listen): timed out")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        var port = listen.port
        if case .ip4(_, let p)? = await server.listeningAddress { port = Int(p) }
        if case .ip6(_, let p)? = await server.listeningAddress { port = Int(p) }
        logger.notice("metrics listening", metadata: ["metrics.listen": "\(listen.host):\(port)"])
        return MetricsService(server: server, serverTask: serverTask, port: port)
    }

    public func run() async throws {
        // Serves until graceful shutdown; then stops accepting and closes the connections.
        try? await gracefulShutdown()
        await server.stop(timeout: 1)
        serverTask.cancel()
    }
}
