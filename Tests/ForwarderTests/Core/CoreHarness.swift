import Checkpoint
import Foundation
import Formats
import Logging
import MDCA
import Outputs
import TestSupport
@testable import Forwarder

/// The activities core assembled in-process: a test clock, a scripted page source, fake
/// outputs and a real state file in a temporary directory.
struct CoreHarness {
    static let settle: Duration = .seconds(60)

    let clock = TestClock()
    let source: ScriptedSource
    let outputs: [FakeOutput]
    let dir: TempDir
    let core: ActivityCore
    let writer: StateWriter
    let delivery: Delivery
    let stream: StreamEngine<ActivitySource>

    /// The cursor starts one hour before the clock's wall time (the scan range is
    /// [cursor, wall − 60 s]).
    init(
        names: [String] = ["siem"], checkpointEvery: Int = 1000, giveUpAfter: Duration? = nil,
        store: (any CheckpointStore)? = nil, permit: any SendPermit = AlwaysPermit(), reloads: ConfigGeneration? = nil,
        outputs onAccepted: @escaping @Sendable () -> Void = {}
    ) throws {
        source = ScriptedSource(clock: clock)
        outputs = names.map { FakeOutput(name: $0, onAccepted: onAccepted) }
        dir = try TempDir("core")
        let logger = Logger(label: "core-test")
        core = ActivityCore(stream: .activities, position: Cursor(createdMs: clock.wallMs - 3_600_000),
                            clock: clock, requestAllowance: .seconds(210), logger: logger)
        writer = StateWriter(store: store ?? StateFileStore(file: StateFile(path: dir.file("state.json"))), activities: core)
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 1 << 20))
        delivery = Delivery(slots: outputs.map { Delivery.Slot(output: $0, encoder: encoder) }, logger: logger,
                            giveUpAfter: giveUpAfter, backoff: Backoff(base: .seconds(1), cap: .seconds(60)), permit: permit,
                            reloads: reloads)
        stream = StreamEngine(core: core, source: ActivitySource(url: "http://127.0.0.1/api/v1/activities/", pageSize: 500),
                              fetcher: source, delivery: delivery, writer: writer,
                              settings: .init(settleTime: Self.settle, checkpointEvery: checkpointEvery, fetchAllowance: .seconds(210)))
    }

    var startMs: Int64 { clock.wallMs - 3_600_000 }
    var untilMs: Int64 { clock.wallMs - 60_000 }

    /// The state file as `status` would read it.
    func stored() throws -> ForwarderState {
        guard let state = try StateFile(path: dir.file("state.json")).load() else {
            throw StateFileError(.unreadable(reason: "no state file"), path: dir.file("state.json"))
        }
        return state
    }

    /// Ids of every message the output accepted (messages are the raw JSON records).
    func delivered(_ index: Int = 0) -> [String] {
        outputs[index].accepted.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["_id"] as? String
        }
    }

    /// The watchdog's and STATUS's view of the core right now.
    func tick(_ memory: inout HealthService.Memory) -> HealthService.Tick {
        HealthService.tick(cores: [core], watchdog: true, memory: &memory)
    }
}
