import Curl
import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The shipped Prometheus rules and Grafana dashboard (ops/) use only metric names that a
/// running daemon exports on /metrics, and every dashboard panel has a query.
@Suite(.serialized)
struct OpsAssetsTests {
    static let rules = "ops/prometheus/mdca-forwarder.rules.yml"
    static let dashboard = "ops/grafana/mdca-forwarder.json"

    /// Every `mdca_forwarder_…` name in a text.
    static func metricNames(_ text: String) throws -> Set<String> {
        Set(text.matches(of: try Regex(#"mdca_forwarder_[a-z0-9_]+"#)).map { String(text[$0.range]) })
    }

    /// The `expr` of every dashboard target.
    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path(dashboard)))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(json["panels"] as? [[String: Any]])
        var expressions: [String] = []
        for panel in panels where panel["type"] as? String != "row" {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "panel \(panel["title"] ?? "?") has no query")
            expressions += targets.compactMap { $0["expr"] as? String }
        }
        return expressions
    }

    /// The rows of the metrics table in docs/operations.md ("| metric | type | meaning |").
    static func metricsTable() throws -> String {
        let text = try Repository.text("docs/operations.md")
        let start = try #require(text.range(of: "| metric | type | meaning |"))
        return text[start.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("|") }.joined(separator: "\n")
    }

    /// Series names of one scrape (labels dropped).
    static func scrapeNames(_ port: UInt16) async throws -> Set<String> {
        let http = try HTTPClient(options: HTTPClientOptions())
        let response = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics", headers: [], body: nil))
        guard response.status == 200 else { return [] }
        return Set(String(decoding: response.body, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init) })
    }

    @Test func dashboardAndRulesUseOnlyExportedMetrics() async throws {
        let ruleNames = try Self.metricNames(try Repository.text(Self.rules))
        let dashboardNames = try Self.metricNames(try Self.dashboardExpressions().joined(separator: "\n"))
        #expect(ruleNames.count >= 5 && dashboardNames.count >= 6, "rules \(ruleNames), dashboard \(dashboardNames)")

        var options = SimulatorOptions()
        options.port = 0
        options.activities = 50
        options.alerts = 5
        options.token = "docs-metrics-token"
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let receiver = try LineReceiver()
        try receiver.start()
        let port = try FreePort.tcp()
        let dir = try TempDir("mdca-docs-metrics")
        let fixture = try ForwarderFixture(
            dir: dir, tenantURL: sim.baseURL, outputs: [.init(name: "rx", url: "tcp://127.0.0.1:\(receiver.port)")],
            extraTop: ["alerts:", "  enabled: true", "metrics:", "  listen: 127.0.0.1:\(port)"])
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath],
                                  environment: fixture.environment(token: "docs-metrics-token"))
        try daemon.start()
        defer { daemon.signal(SIGKILL) }

        // Every series exists from start-up: the first successful scrape has them all.
        var exported: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(30)
        while exported.isEmpty, ContinuousClock.now < deadline {
            if let names = try? await Self.scrapeNames(port) { exported = names }
            if exported.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(!exported.isEmpty, "no scrape: \(daemon.stderr)")
        let missing = ruleNames.union(dashboardNames).subtracting(exported)
        #expect(missing.isEmpty, "used by ops/ but not exported: \(missing.sorted()); exported: \(exported.sorted())")
        // The metrics table of docs/operations.md names exactly what the daemon exports.
        let documented = try Self.metricNames(try Self.metricsTable())
        #expect(documented == exported, "docs/operations.md's metrics table vs /metrics: \(documented.symmetricDifference(exported).sorted())")

        daemon.signal(SIGTERM)
        // A clean stop (generous: the machine may be busy building).
        #expect(await daemon.wait(timeout: .seconds(40)) == 0, "\(daemon.stderr)")
        receiver.stop()
        await sim.stop()
    }
}
