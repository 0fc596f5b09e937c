import Foundation
import Prometheus
import Synchronization

/// `/metrics` as a view of the core (PRODUCT §10): the series are swift-prometheus's, their
/// values are read from the stream's core, the output board and the state writer at scrape
/// time. The core stays the one source of truth; nothing increments a metric on the side.
///
/// Every series exists from start-up (0 until something happens), so that alert rules such
/// as `increase(…[15m]) == 0` work on a freshly started daemon.
public final class MetricsExporter: Sendable {
    /// Status codes whose series exist before the first request (others appear when seen).
    static let knownCodes = ["200", "400", "401", "403", "404", "429", "500", "502", "503", "504", "error"]

    private let registry = PrometheusCollectorRegistry()
    private let cores: @Sendable () -> [any StreamHealth]
    /// With `state.etcd`: the leader gauge and the coordination error counter.
    private let coordination: CoordinationBoard?
    private let outputs: @Sendable () -> OutputBoard
    private let writes: @Sendable () -> StateWriter.Counts
    /// Serialises refresh + emit: a scrape never sees a counter between its reset and refill.
    private let lock = Mutex(())

    public convenience init(cores: [any StreamHealth], outputs: @escaping @Sendable () -> OutputBoard, writes: @escaping @Sendable () -> StateWriter.Counts, version: String) {
        self.init(currentCores: { cores }, outputs: outputs, writes: writes, version: version, coordination: nil)
    }

    /// The streams may come and go (an HA instance has them only while it leads).
    init(currentCores: @escaping @Sendable () -> [any StreamHealth], outputs: @escaping @Sendable () -> OutputBoard,
         writes: @escaping @Sendable () -> StateWriter.Counts, version: String, coordination: CoordinationBoard?) {
        self.cores = currentCores
        self.coordination = coordination
        self.outputs = outputs
        self.writes = writes
        registry.makeGauge(descriptor: Self.name("build_info", "1, labelled with the version"), labels: [("version", version)]).set(to: 1.0)
        _ = render()   // creates every series
    }

    public convenience init(cores: [any StreamHealth], engine: Engine, writer: StateWriter) {
        let board = engine.lifetime.board
        self.init(cores: cores, outputs: { board }, writes: { writer.writeCounts }, version: ForwarderVersion.string)
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func render() -> [UInt8] {
        lock.withLock { _ in
            refresh()
            return registry.emitToBuffer()
        }
    }

    private func refresh() {
        let board = outputs().snapshot
        for core in cores() { refresh(core.health, board: board) }
        for entry in board {
            let output = ("output", entry.name)
            set(counter: "output_errors_total", [output], entry.errors, "failed delivery attempts")
            registry.makeGauge(descriptor: Self.name("output_up", "1 while the output accepts records"), labels: [output])
                .set(to: entry.up ? 1.0 : 0.0)
        }
        let w = writes()
        set(counter: "checkpoint_writes_total", [], w.writes, "state file writes")
        set(counter: "checkpoint_errors_total", [], w.errors, "failed state file writes")
        if let coordination {
            let c = coordination.snapshot
            registry.makeGauge(descriptor: Self.name("leader", "1 while this instance leads its tenant (state.etcd)"), labels: [])
                .set(to: c.leading ? 1.0 : 0.0)
            set(counter: "coordination_errors_total", [], c.errors, "failed etcd requests and lost leaderships")
        }
    }

    private func refresh(_ s: HealthSnapshot, board: [OutputBoard.Entry]) {
        let stream = ("stream", s.stream.rawValue)
        let c = s.counters
        for code in Set(Self.knownCodes).union(c.apiRequests.keys) {
            set(counter: "api_requests_total", [stream, ("code", code)], c.apiRequests[code] ?? 0, "API requests by HTTP status (code=\"error\": no answer)")
        }
        set(counter: "api_throttled_total", [stream], c.throttled, "429 answers")
        set(counter: "records_received_total", [stream], c.received, "records read from the API")
        for reason in AnomalyReason.allCases {
            set(counter: "records_anomalous_total", [stream, ("reason", reason.rawValue)], c.anomalous[reason] ?? 0,
                "records delivered despite a service fault")
        }
        for entry in board {
            set(counter: "records_sent_total", [stream, ("output", entry.name)], c.sent[entry.name] ?? 0, "records delivered to that output")
        }
        for how in ["shortened", "replaced"] {
            set(counter: "records_capped_total", [stream, ("how", how)], c.capped[how] ?? 0,
                "messages max_message_bytes changed: shortened, or replaced by a stand-in naming the record")
        }
        registry.makeGauge(descriptor: Self.name("checkpoint_timestamp_seconds", "the cursor: created (alerts: timestamp) of the last committed record"),
                           labels: [stream])
            .set(to: Double(s.positionMs) / 1000)
        registry.makeGauge(descriptor: Self.name("last_success_timestamp_seconds", "end of the last scan that reached the present"),
                           labels: [stream])
            .set(to: s.lastSuccess?.timeIntervalSince1970 ?? 0)
    }

    private func set(counter name: String, _ labels: [(String, String)], _ value: UInt64, _ help: String) {
        let counter = registry.makeCounter(descriptor: Self.name(name, help), labels: labels)
        counter.reset()
        counter.increment(by: Int64(clamping: value))
    }

    /// `mdca_forwarder_<name>`, its last word as the unit (`total`, `seconds`, `up`, `info`).
    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        let split = name.lastIndex(of: "_") ?? name.endIndex
        return MetricNameDescriptor(
            namespace: "mdca_forwarder", metricName: String(name[..<split]),
            unitName: split == name.endIndex ? "" : String(name[name.index(after: split)...]), helpText: help)
    }
}
