import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// Why the simulator could not start.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// A local Microsoft Defender for Cloud Apps Activities API (PRODUCT §2, §8): scan paging with
/// `nextQueryFilters`, legacy and Entra auth, seeded realistic data, throttling and faults.
/// Tests run it in-process; the `mdca-simulator` executable wraps it for users.
public final class SimulatorServer: Sendable {
    let core: SimulatorCore
    private struct Running: Sendable {
        var http: HTTPServer
        var serverTask: Task<Void, any Error>
        var liveTask: Task<Void, Never>?
        var port: Int
    }
    private let running = Mutex<Running?>(nil)

    public init(options: SimulatorOptions) {
        core = SimulatorCore(options: options)
    }

    /// Generates the backlog, binds and listens; returns the bound port (useful with port 0).
    public func start() async throws -> Int {
        if let port = running.withLock({ $0?.port }) { return port }
        let options = core.options
        // CPU-bound for large backlogs: generated on Dispatch's threads, not the cooperative pool.
        let core = self.core
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                let now = SimulatorCore.nowMs
                core.generateBacklog(nowMs: now)
                core.generateAlertBacklog(nowMs: now)
                done.resume()
            }
        }
        let address: any SocketAddress
        do {
            let host = options.host == "localhost" ? "127.0.0.1" : options.host
            address = host.contains(":")
                ? try sockaddr_in6.inet6(ip6: host, port: options.port)
                : try sockaddr_in.inet(ip4: host, port: options.port)
        } catch {
            throw SimulatorError(description: "cannot listen on \(options.host):\(options.port): not an IPv4 or IPv6 address")
        }
        // The handler timeout must outlast a "slow response" fault.
        let timeout = 30 + Double(options.slowResponse.components.seconds)
        let http = HTTPServer(config: .init(address: address, timeout: timeout, logger: .disabled),
                              handler: ClosureHTTPHandler { await core.handle($0) })
        let (failures, failed) = AsyncStream<String>.makeStream()
        let serverTask = Task {
            defer { failed.finish() }
            do { try await http.run() } catch {
                failed.yield("\(error)")
                throw error
            }
        }
        // Wait for the bind: run() either starts listening or ends (address in use, …).
        let problem = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await http.waitUntilListening(timeout: 10)
                    return nil
                } catch {
                    return "not listening after 10 s (\(error))"
                }
            }
            group.addTask {
                for await reason in failures { return reason }
                return Task.isCancelled ? nil : "the server stopped before listening"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let problem {
            serverTask.cancel()
            throw SimulatorError(description: "cannot listen on \(options.host):\(options.port): \(problem)")
        }
        var port = Int(options.port)
        if case .ip4(_, let p)? = await http.listeningAddress { port = Int(p) }
        if case .ip6(_, let p)? = await http.listeningAddress { port = Int(p) }
        let isLive = options.liveRate > 0 || options.alertRate > 0 || options.alertCloseRate > 0
        let liveTask: Task<Void, Never>? = isLive ? Task { await Self.live(core) } : nil
        running.withLock { $0 = Running(http: http, serverTask: serverTask, liveTask: liveTask, port: port) }
        return port
    }

    /// `http://HOST:PORT` once started (IPv6 hosts in brackets).
    public var baseURL: String {
        let host = core.options.host.contains(":") ? "[\(core.options.host)]" : core.options.host
        return "http://\(host):\(running.withLock { $0?.port } ?? Int(core.options.port))"
    }

    /// Stops listening and closes the connections; stored activities stay readable.
    public func stop() async {
        guard let r = running.withLock({ state -> Running? in defer { state = nil }; return state }) else { return }
        r.liveTask?.cancel()
        await r.http.stop(timeout: 1)
        r.serverTask.cancel()
    }

    /// Stops live generation (`liveRate`, `alertRate`, `alertCloseRate`) and returns once the
    /// generator has stopped: no activity or alert is added or closed after this returns, so
    /// `allActivityIDs()` / `allAlertIDs()` are then final. The server keeps serving.
    public func stopLive() async {
        let task = running.withLock { state -> Task<Void, Never>? in
            defer { state?.liveTask = nil }
            return state?.liveTask
        }
        task?.cancel()
        await task?.value
    }

    /// Stores `n` new activities with `created` = now (never before the newest stored one);
    /// `late` makes them late arrivals, `tiesWithLast` gives them the newest stored `created`.
    public func addActivities(_ n: Int, late: Bool = false, tiesWithLast: Bool = false) async {
        core.add(n, late: late, tiesWithLast: tiesWithLast, nowMs: SimulatorCore.nowMs)
    }

    /// Every stored `_id`, in scan order.
    public func allActivityIDs() async -> [String] {
        core.state.withLock { $0.store.items.map(\.id) }
    }

    /// The stored JSON of one activity (exactly the bytes served), nil when unknown.
    public func activity(id: String) async -> [UInt8]? {
        core.state.withLock { $0.store[id: id]?.json }
    }

    // MARK: alerts

    /// Stores `n` new alerts raised at `timestampMs` (now when nil; an earlier time makes
    /// alerts that appear late, behind a reader's cursor). Returns their ids.
    @discardableResult
    public func addAlerts(_ n: Int, timestampMs: Int64? = nil) async -> [String] {
        core.addAlerts(n, timestampMs: timestampMs, nowMs: SimulatorCore.nowMs)
    }

    /// Closes up to `n` open alerts now (a seeded pick; status mostly FALSE_POSITIVE, BENIGN
    /// or TRUE_POSITIVE). Returns their ids.
    @discardableResult
    public func closeAlerts(_ n: Int) async -> [String] {
        core.closeAlerts(n, nowMs: SimulatorCore.nowMs)
    }

    /// Every stored alert id, in list order (timestamp, then insertion).
    public func allAlertIDs() async -> [String] {
        core.state.withLock { $0.alerts.items.map(\.id) }
    }

    /// The ids of the closed alerts, in list order.
    public func closedAlertIDs() async -> [String] {
        core.state.withLock { $0.alerts.items.filter { $0.fields.resolutionStatus != 0 }.map(\.id) }
    }

    /// The stored JSON of one alert (exactly the bytes served), nil when unknown.
    public func alert(id: String) async -> [UInt8]? {
        core.state.withLock { $0.alerts[id: id]?.json }
    }

    /// Every request answered so far, in order.
    public var requestLog: [RequestRecord] {
        core.state.withLock { $0.requestLog }
    }

    /// Forces a status on every Activities API request until cleared with nil.
    public func setFailure(_ f: ForcedFailure?) {
        core.state.withLock { $0.failure = f }
    }

    /// Adds `liveRate` activities per second (created = now), checked every 100 ms; a
    /// `lateFraction` share of them are late arrivals. Likewise `alertRate` new alerts and
    /// `alertCloseRate` closures per second.
    private static func live(_ core: SimulatorCore) async {
        var due = (activities: 0.0, alerts: 0.0, closures: 0.0)
        var last = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            let now = ContinuousClock.now
            let elapsed = now - last
            last = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            due.activities += core.options.liveRate * seconds
            due.alerts += core.options.alertRate * seconds
            due.closures += core.options.alertCloseRate * seconds
            let n = Int(due.activities), a = Int(due.alerts), c = Int(due.closures)
            due.activities -= Double(n)
            due.alerts -= Double(a)
            due.closures -= Double(c)
            let nowMs = SimulatorCore.nowMs
            core.add(n, late: nil, tiesWithLast: false, nowMs: nowMs)
            _ = core.addAlerts(a, timestampMs: nil, nowMs: nowMs)
            _ = core.closeAlerts(c, nowMs: nowMs)
        }
    }
}
