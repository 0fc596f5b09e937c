@testable import Checkpoint
import Foundation
import Testing

@Suite struct AlertCursorTests {
    @Test func advanceMovesOnNewerAndRemembersLateOnesInsideTheWindow() {
        var cursor = AlertCursor.start(nowMs: 10_000, lookbackMs: 1_000)
        #expect(cursor.timestampMs == 9_000)
        cursor.advance(id: "a", timestampMs: 9_500, overlapMs: 100)
        cursor.advance(id: "b", timestampMs: 9_500, overlapMs: 100)
        #expect(cursor.timestampMs == 9_500 && cursor.tieIDs == ["a", "b"])
        cursor.advance(id: "late", timestampMs: 9_450, overlapMs: 100) // behind the cursor
        #expect(cursor.timestampMs == 9_500 && cursor.tieIDs == ["a", "b"])
        #expect(cursor.alreadyDelivered("late") && cursor.alreadyDelivered("a"))
        cursor.advance(id: "c", timestampMs: 9_560, overlapMs: 100)
        #expect(cursor.tieIDs == ["c"])
        // 9_460 is the window's floor: "late" (9_450) is forgotten, a and b are kept.
        #expect(cursor.recentIDs == ["a": 9_500, "b": 9_500, "c": 9_560])
        #expect(!cursor.alreadyDelivered("late"))
    }

    @Test func closuresMoveOnlyWhenAWindowIsComplete() {
        var cursor = AlertCursor(timestampMs: 1_000)
        cursor.remember(id: "x", atMs: 1_900, overlapMs: 500)
        cursor.remember(id: "y", atMs: 2_000, overlapMs: 500)
        #expect(cursor.timestampMs == 1_000)
        cursor.complete(untilMs: 2_000, overlapMs: 500)
        #expect(cursor.timestampMs == 2_000 && cursor.tieIDs == ["y"] && cursor.recentIDs.count == 2)
        cursor.complete(untilMs: 1_500, overlapMs: 500) // never backwards
        #expect(cursor.timestampMs == 2_000)
        cursor.complete(untilMs: 3_000, overlapMs: 500)
        #expect(cursor.recentIDs.isEmpty && cursor.tieIDs.isEmpty)
    }

    @Test func theRecentSetIsBounded() {
        var cursor = AlertCursor(timestampMs: 0)
        for i in 0...(AlertCursor.maxRecentIDs + 10) {
            cursor.advance(id: "id\(i)", timestampMs: 1_000, overlapMs: 60_000)
        }
        #expect(cursor.recentIDs.count <= AlertCursor.maxRecentIDs)
    }

    @Test func aVersionOneFileUpgradesInPlace() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        let v1 = """
        {
          "counters" : { "pagesFetched" : 3, "recordsForwarded" : 42, "recordsSkipped" : 2 },
          "cursor" : { "createdMs" : 1700000000123, "tieIDs" : [ "a-id" ] },
          "version" : 1
        }
        """
        try Data(v1.utf8).write(to: URL(fileURLWithPath: file.path))
        var state = try #require(try file.load())
        #expect(state.version == 2)
        #expect(state.cursor == Cursor(createdMs: 1_700_000_000_123, tieIDs: ["a-id"]))
        #expect(state.counters.recordsForwarded == 42)
        #expect(state.alerts == nil)

        var alerts = AlertStreamState(cursor: AlertCursor(timestampMs: 1_700_000_000_000), closures: AlertCursor(timestampMs: 5))
        alerts.cursor.advance(id: "5f06d71dba4289d0602ba5ac", timestampMs: 1_700_000_000_500, overlapMs: 600_000)
        state.alerts = alerts
        try file.save(state)
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text.contains("\"version\" : 2"))
        #expect(text.contains("\"recentIDs\" : {"))
        #expect(try file.load() == state)
    }
}
