import Checkpoint
import Testing

@Suite struct CursorTests {
    struct SkipCase: Sendable, CustomTestStringConvertible {
        var id: String
        var created: Int64
        var skipped: Bool
        var testDescription: String { "\(id)@\(created) -> \(skipped ? "skip" : "deliver")" }
    }

    /// The cursor sits at 1000 ms with "a" and "b" delivered at exactly that ms.
    static let cursor = Cursor(createdMs: 1000, tieIDs: ["a", "b"])

    @Test(arguments: [
        SkipCase(id: "a", created: 1000, skipped: true),    // tie already delivered
        SkipCase(id: "b", created: 1000, skipped: true),
        SkipCase(id: "c", created: 1000, skipped: false),   // new record at the tie ms
        SkipCase(id: "a", created: 1001, skipped: false),   // same id later: not the cursor's business
        SkipCase(id: "z", created: 999, skipped: false),    // behind the cursor (a server fault): sent, not lost
        SkipCase(id: "z", created: 5000, skipped: false),
    ])
    func shouldSkip(_ c: SkipCase) {
        #expect(Self.cursor.shouldSkip(id: c.id, created: c.created) == c.skipped)
    }

    @Test func advanceMovesToNewerMillisecondAndResetsTies() {
        var cursor = Self.cursor
        cursor.advance(id: "c", created: 2000)
        #expect(cursor == Cursor(createdMs: 2000, tieIDs: ["c"]))
    }

    @Test func advanceAddsTiesAtTheSameMillisecond() {
        var cursor = Self.cursor
        cursor.advance(id: "c", created: 1000)
        #expect(cursor == Cursor(createdMs: 1000, tieIDs: ["a", "b", "c"]))
    }

    @Test func advanceIgnoresLateRecords() {
        var cursor = Self.cursor
        cursor.advance(id: "late", created: 999)
        #expect(cursor == Self.cursor)
    }

    @Test func sequenceOfDeliveriesThenReplayIsFullySkipped() {
        // A page delivered in order, then the next query (created >= cursor) lists the tail again.
        let page: [(String, Int64)] = [("r1", 10), ("r2", 20), ("r3", 20), ("r4", 30), ("r5", 30)]
        var cursor = Cursor.start(nowMs: 10, lookbackMs: 0)
        for (id, created) in page where !cursor.shouldSkip(id: id, created: created) {
            cursor.advance(id: id, created: created)
        }
        #expect(cursor == Cursor(createdMs: 30, tieIDs: ["r4", "r5"]))
        let replay = page.filter { $0.1 >= cursor.createdMs } + [("r6", 30), ("r7", 31)]
        let delivered = replay.filter { !cursor.shouldSkip(id: $0.0, created: $0.1) }.map(\.0)
        #expect(delivered == ["r6", "r7"])
    }

    @Test func startIsNowMinusLookback() {
        let twoDays: Int64 = 2 * 86_400_000
        #expect(Cursor.start(nowMs: 1_700_000_000_000, lookbackMs: twoDays)
            == Cursor(createdMs: 1_700_000_000_000 - twoDays, tieIDs: []))
    }
}
