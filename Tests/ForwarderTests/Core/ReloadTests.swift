import Checkpoint
import Formats
import Foundation
import Logging
import MDCA
import Testing
@testable import Forwarder

/// A reload in the middle of a pass that retries an output (issue 18 item 3): the retry wait
/// ends at once, nothing is committed past what was delivered, the next pass sends the batch
/// through the new outputs once, and the output board keeps its counters.
@Suite struct ReloadTests {
    typealias R = ScriptedSource

    @Test func aReloadEndsTheRetryOfAnOutputAndTheNewOutputGetsTheBatchOnce() async throws {
        let reloads = ConfigGeneration()
        let h = try CoreHarness(reloads: reloads)
        let t = h.startMs
        h.outputs[0].setDown(true)
        h.source.enqueue(.page([R.record("r1", created: t + 1), R.record("r2", created: t + 2)], hasNext: false))
        let pass = Task { try await h.stream.catchUp() }
        // Two failed attempts, each followed by a backoff wait.
        for _ in 0..<2 { await h.clock.runNextSleep() }
        _ = await h.clock.nextSleep()
        #expect(h.delivery.board.snapshot == [OutputBoard.Entry(name: "siem", up: false, errors: 3)])

        // SIGHUP: a new configuration whose output works. The wait ends without the clock moving.
        let before = h.clock.now
        reloads.advance()
        let stopped = try await pass.value
        #expect(!stopped.completed && stopped.delivered == 0)
        #expect(h.clock.now == before, "the retry wait ended on the reload, not on its timer")
        #expect(h.core.committed.createdMs == t, "nothing committed past what was delivered")
        #expect(h.delivery.isSuperseded)

        let fixed = FakeOutput(name: "siem")
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 1 << 20))
        let next = Delivery(slots: [Delivery.Slot(output: fixed, encoder: encoder)], logger: Logger(label: "reload"), giveUpAfter: nil,
                            board: h.delivery.board, reloads: reloads, generation: reloads.current)
        let stream = StreamEngine(core: h.core, source: ActivitySource(url: "http://127.0.0.1/api/v1/activities/"), fetcher: h.source,
                                  delivery: next, writer: h.writer, settings: .init(settleTime: CoreHarness.settle, fetchAllowance: .seconds(210)))
        h.source.enqueue(.page([R.record("r1", created: t + 1), R.record("r2", created: t + 2)], hasNext: false))
        let result = try await stream.catchUp()
        #expect(result.completed && result.delivered == 2)
        #expect(fixed.accepted.count == 2 && h.outputs[0].accepted.isEmpty, "sent once, through the new output only")
        #expect(try h.stored().cursor == Cursor(createdMs: t + 2, tieIDs: ["r2"]))
        #expect(next.board.snapshot == [OutputBoard.Entry(name: "siem", up: true, errors: 3)], "the board kept its counter")
    }

    @Test func aReloadKeepsTheBoardOfTheOutputsItKeeps() {
        let board = OutputBoard(names: ["a", "b"])
        board.failed("a")
        board.failed("b")
        board.show(["b", "c"])
        #expect(board.snapshot == [OutputBoard.Entry(name: "b", up: false, errors: 1), OutputBoard.Entry(name: "c")])
    }

    @Test func aGenerationWaiterWakesOnceANewerOneArrives() async {
        let reloads = ConfigGeneration()
        let waiter = Task { await reloads.wait(past: 0) }
        reloads.advance()
        await waiter.value
        await reloads.wait(past: 0)   // already past: returns at once
        #expect(reloads.current == 1)
    }
}
