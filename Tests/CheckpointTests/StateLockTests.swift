import Checkpoint
import Foundation
import Testing

@Suite struct StateLockTests {
    /// flock(2) locks belong to the open file description, so two opens in one process
    /// conflict exactly as two processes would.
    @Test func secondLockIsRefusedNamingHolderPidAndPath() throws {
        let dir = try TemporaryDirectory()
        let state = dir.file("state.json")
        let first = try StateLock(statePath: state)
        let error = try #require(throws: StateFileError.self) { try StateLock(statePath: state) }
        #expect(error.kind == .locked(holderPID: getpid()))
        #expect(error.description.contains("another mdca-forwarder (pid \(getpid())) holds \(state).lock"))
        #expect(error.exitCode == 74)
        first.close()
    }

    @Test func lockIsReleasedByCloseAndByDeinit() throws {
        let dir = try TemporaryDirectory()
        let state = dir.file("state.json")
        let first = try StateLock(statePath: state)
        first.close()
        first.close()  // idempotent
        do {
            let second = try StateLock(statePath: state)
            _ = second  // released at the end of this scope by deinit
        }
        let third = try StateLock(statePath: state)
        third.close()
    }

    @Test func lockFileIsPrivate() throws {
        let dir = try TemporaryDirectory()
        let lock = try StateLock(statePath: dir.file("state.json"))
        defer { lock.close() }
        let attributes = try FileManager.default.attributesOfItem(atPath: lock.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
    }
}
