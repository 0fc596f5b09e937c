@testable import Checkpoint
import Foundation
import Testing

/// Dates in the state file survive any number of loads and saves (regression: the `state-file`
/// fuzz target found `"lastErrorAt" : "4052-01-01T00:00:00.492Z"` written back as `.491Z`;
/// half of all 2026 milliseconds drifted the same way).
@Suite struct StateFileDateTests {
    private static func state(_ milliseconds: Int64) -> ForwarderState {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return ForwarderState(cursor: Cursor(createdMs: 1, tieIDs: []), lastSuccessfulPoll: date,
                              counters: .init(lastError: "e", lastErrorAt: date))
    }

    private static func text(_ file: StateFile) throws -> String {
        try String(contentsOfFile: file.path, encoding: .utf8)
    }

    @Test(arguments: [Int64(1_767_225_600_020), 1_767_225_600_028, 1_767_225_600_999, 65_701_584_000_492, 0, -20])
    func aMillisecondDateIsWrittenBackAsRead(_ milliseconds: Int64) throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.state(milliseconds))
        let first = try Self.text(file)
        var loaded = try #require(try file.load())
        for _ in 0..<3 {
            try file.save(loaded)
            #expect(try Self.text(file) == first)
            loaded = try #require(try file.load())
        }
        let poll = try #require(loaded.lastSuccessfulPoll)
        #expect(Int64((poll.timeIntervalSince1970 * 1000).rounded()) == milliseconds)
    }

    @Test func everyMillisecondOfASecondRoundTrips() {
        for milliseconds in Int64(1_767_225_600_000)..<1_767_225_601_000 {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = ForwarderState.millisecondText(date)
            let back = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
            #expect(back.map { ForwarderState.millisecondText($0) } == text, "\(text)")
        }
    }
}
