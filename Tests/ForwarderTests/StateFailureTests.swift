import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 3 through the real binary: a state file that cannot be written or read stops the
/// forwarder with exit 74 and a message saying what to do; `checkpoint set` repairs a damaged
/// file so that the next `once` succeeds.
@Suite struct StateFailureTests {
    static let token = "state-failure-token"

    static func simulator() async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 30
        options.seed = 9
        options.token = token
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        return sim
    }

    enum Unwritable: String, CaseIterable, Sendable {
        /// Tests run as root, which ignores permission bits: a parent that is a regular file
        /// fails for root too (ENOTDIR).
        case parentIsAFile
        /// sysfs refuses new files for everybody, root included (EACCES).
        case readOnlyFilesystem

        var reason: String {
            switch self {
            case .parentIsAFile: "Not a directory"
            case .readOnlyFilesystem: "Permission denied"
            }
        }
    }

    @Test(arguments: Unwritable.allCases, ["once", "run"])
    func unwritableStateDirectoryExits74(_ kind: Unwritable, command: String) async throws {
        let sim = try await Self.simulator()
        let fixture = try CLIFixture(token: Self.token)
        let statePath: String
        switch kind {
        case .parentIsAFile:
            statePath = try fixture.dir.write("not-a-directory", "x") + "/state.json"
        case .readOnlyFilesystem:
            statePath = "/sys/mdca-forwarder-test-state.json"
        }
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL, statePath: statePath))
        let r = try await fixture.run([command, "--config", fixture.configPath], timeout: .seconds(30))
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("state file I/O error"), "\(r.stderr)")
        #expect(r.stderr.contains(statePath), "names the path: \(r.stderr)")
        #expect(r.stderr.contains(kind.reason), "gives the system's reason: \(r.stderr)")
        await sim.stop()
    }

    struct Damage: Sendable, CustomTestStringConvertible {
        var name: String
        /// The damaged content, from a valid state file's bytes.
        var make: @Sendable ([UInt8]) -> [UInt8]
        var expected: String
        var testDescription: String { name }
    }

    static let damages: [Damage] = [
        Damage(name: "corrupt", make: { _ in Array("\u{1}\u{2}garbage, not JSON {{".utf8) }, expected: "is unusable"),
        Damage(name: "empty", make: { _ in [] }, expected: "the file is empty"),
        Damage(name: "truncated", make: { Array($0.prefix($0.count / 2)) }, expected: "is unusable"),
        Damage(name: "unknown version", make: { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            return Array(text.replacing(/"version"\s*:\s*\d+/, with: "\"version\": 99").utf8)
        }, expected: "has version 99"),
    ]

    @Test(arguments: damages)
    func damagedStateFileExits74AndCheckpointSetRepairsIt(_ damage: Damage) async throws {
        let sim = try await Self.simulator()
        let receiver = try LineReceiver()
        try receiver.start()
        let fixture = try CLIFixture(token: Self.token)
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL, outputURL: "tcp://127.0.0.1:\(receiver.port)"))
        let created = try await fixture.run(["checkpoint", "set", "--since", "1h", "--config", fixture.configPath])
        #expect(created.status == 0, "\(created.stderr)")
        let valid = try #require(FileManager.default.contents(atPath: fixture.statePath))
        let damaged = damage.make(Array(valid))
        try Data(damaged).write(to: URL(fileURLWithPath: fixture.statePath))

        for command in ["once", "run", "status"] {
            let r = try await fixture.run([command, "--config", fixture.configPath], timeout: .seconds(30))
            #expect(r.status == 74, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("state file \(fixture.statePath)"), "\(command) names the file: \(r.stderr)")
            #expect(r.stderr.contains(damage.expected), "\(command): \(r.stderr)")
            #expect(r.stderr.contains("mdca-forwarder checkpoint set --since"), "\(command) gives the recovery hint: \(r.stderr)")
        }
        // The daemon refused it: it did not silently start over.
        #expect(FileManager.default.contents(atPath: fixture.statePath) == Data(damaged))

        // 2d: the whole simulator backlog (last 24 h) is then forwarded, which proves the repair.
        let repaired = try await fixture.run(["checkpoint", "set", "--since", "2d", "--config", fixture.configPath])
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stderr.contains("replacing unreadable state"), "\(repaired.stderr)")
        try await Task.sleep(for: .milliseconds(1100))  // the backlog's newest records pass settle_time
        let once = try await fixture.run(["once", "--config", fixture.configPath])
        #expect(once.status == 0, "\(once.stderr)")
        let expected = await sim.allActivityIDs().count
        #expect(await receiver.waitFor(count: expected, timeout: .seconds(10)), "\(receiver.count) of \(expected)")
        receiver.stop()
        await sim.stop()
    }
}
