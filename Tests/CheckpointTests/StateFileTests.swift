@testable import Checkpoint
import Foundation
import Testing

@Suite struct StateFileTests {
    static let sample = ForwarderState(
        cursor: Cursor(createdMs: 1_700_000_000_123, tieIDs: ["b-id", "a-id"]),
        lastSuccessfulPoll: Date(timeIntervalSince1970: 1_700_000_100),
        counters: .init(recordsForwarded: 42, pagesFetched: 3, recordsSkipped: 2,
                        lastError: "output siem: connection refused",
                        lastErrorAt: Date(timeIntervalSince1970: 1_700_000_050)))

    @Test func missingFileIsFirstStart() throws {
        let dir = try TemporaryDirectory()
        #expect(try StateFile(path: dir.file("state.json")).load() == nil)
    }

    @Test func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.sample)
        #expect(try file.load() == Self.sample)
        // Saving again replaces the content atomically.
        var next = Self.sample
        next.cursor.advance(id: "c-id", created: 1_700_000_000_999)
        try file.save(next)
        #expect(try file.load() == next)
    }

    @Test func fileIsPrettySortedDeterministicJSONWithISODates() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.sample)
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text.contains("\"lastSuccessfulPoll\" : \"2023-11-14T22:15:00.000Z\""))
        #expect(text.contains("\"version\" : 2"))
        let tieRange = try #require(text.range(of: "\"a-id\""))
        let otherRange = try #require(text.range(of: "\"b-id\""))
        #expect(tieRange.lowerBound < otherRange.lowerBound, "tie ids are written sorted")
        let counters = try #require(text.range(of: "\"counters\""))
        let cursor = try #require(text.range(of: "\"cursor\""))
        #expect(counters.lowerBound < cursor.lowerBound, "keys are sorted")
    }

    @Test func saveLeavesNoTempFileAndMode0600() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.sample)
        try file.save(Self.sample)
        #expect(try dir.entries() == ["state.json"])
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func directorySyncRunsAndFailsLoudlyOnANonDirectory() throws {
        let dir = try TemporaryDirectory()
        try StateFile.syncDirectory(dir.path)
        try dir.write("x", to: "plain")
        let error = try #require(throws: StateFileError.self) {
            try StateFile.syncDirectory(dir.file("plain"))
        }
        #expect(error.kind == .syscall(name: "open", errno: ENOTDIR))
        #expect(error.path == dir.file("plain"))
    }

    /// Tests run as root here, and root ignores directory permissions, so an unwritable
    /// directory is simulated by a state path whose parent is a regular file (ENOTDIR holds
    /// for root too).
    @Test func saveIntoUnusableDirectoryThrowsNamingThePath() throws {
        let dir = try TemporaryDirectory()
        try dir.write("not a directory", to: "blocker")
        let file = StateFile(path: dir.file("blocker") + "/state.json")
        let error = try #require(throws: StateFileError.self) { try file.save(Self.sample) }
        #expect(error.exitCode == 74)
        #expect(error.description.contains(dir.file("blocker") + "/.state.json.tmp-"))
        #expect(error.description.contains("open("))
        #expect(error.description.contains("Not a directory"))
    }

    @Test(arguments: [
        ("", "empty"),
        ("  \n", "empty"),
        ("{\"version\": 1, \"cursor\": {\"createdMs\": 5", "not valid state JSON"),
        ("garbage", "not valid state JSON"),
        ("{\"version\": 1}", "missing key \"cursor\""),
        ("{\"version\": 3, \"cursor\": {}}", "has version 3"),
        ("{\"version\": \"1\"}", "version"),
    ])
    func unusableFilesAreRefusedWithRecoveryHint(content: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        try dir.write(content, to: "state.json")
        let file = StateFile(path: dir.file("state.json"))
        let error = try #require(throws: StateFileError.self) { try file.load() }
        #expect(error.exitCode == 74)
        #expect(error.description.contains(file.path))
        #expect(error.description.contains(expected))
        #expect(error.description.contains("mdca-forwarder checkpoint set --since"))
        #expect(error.description.contains("move the file away"))
    }

    @Test func truncatedSaveIsRefused() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.sample)
        let full = try Data(contentsOf: URL(fileURLWithPath: file.path))
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: file.path))
        let error = try #require(throws: StateFileError.self) { try file.load() }
        #expect(error.description.contains("not valid state JSON"))
    }

    @Test func staleTempFilesAreRemovedAndOthersKept() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        try file.save(Self.sample)
        try dir.write("{", to: ".state.json.tmp-123-abc")
        try dir.write("{", to: ".state.json.tmp-456-def")
        try dir.write("keep", to: "other.json")
        try file.removeStaleTempFiles()
        #expect(try dir.entries() == ["other.json", "state.json"])
        #expect(try file.load() == Self.sample)
    }

    @Test func millisecondsOfDatesSurvive() throws {
        let dir = try TemporaryDirectory()
        let file = StateFile(path: dir.file("state.json"))
        let when = Date(timeIntervalSince1970: 1_700_000_000.25)
        try file.save(ForwarderState(cursor: Cursor(createdMs: 1), lastSuccessfulPoll: when))
        let loaded = try #require(try file.load()?.lastSuccessfulPoll)
        #expect(abs(loaded.timeIntervalSince(when)) < 0.001)
    }
}
