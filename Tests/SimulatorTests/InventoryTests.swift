import Foundation
import Simulator
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The final list of records `make soak` checks deliveries against: in-process
/// (`inventory()` after `stopLive()`) and through the executable (SIGUSR1, --inventory-file).
@Suite struct InventoryTests {
    /// (kind, id, ms) per line.
    static func parse(_ text: String) -> [(kind: String, id: String, ms: Int64)] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 3, let ms = Int64(f[2]) else { return nil }
            return (String(f[0]), String(f[1]), ms)
        }
    }

    @Test func inventoryListsEveryStoredRecordInScanAndListOrder() async throws {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 300
        options.alerts = 40
        options.liveRate = 200
        options.alertRate = 50
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        // Wait for live arrivals of both streams, then stop them for good.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let (activities, alerts) = (await sim.allActivityIDs().count, await sim.allAlertIDs().count)
            if activities > 300 && alerts > 40 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await sim.stopLive()
        let lines = Self.parse(await sim.inventory())
        let activities = lines.filter { $0.kind == "activity" }, alerts = lines.filter { $0.kind == "alert" }
        #expect(activities.count + alerts.count == lines.count, "only activity and alert lines")
        #expect(activities.map(\.id) == (await sim.allActivityIDs()))
        #expect(alerts.map(\.id) == (await sim.allAlertIDs()))
        #expect(activities.count > 300 && alerts.count > 40, "live arrivals are listed")
        #expect(zip(activities, activities.dropFirst()).allSatisfy { $0.ms <= $1.ms }, "scan order: created ascending")
        #expect(zip(alerts, alerts.dropFirst()).allSatisfy { $0.ms <= $1.ms }, "list order: timestamp ascending")
        // The ms is each record's own `created`, as served.
        let first = try #require(activities.first)
        let json = try #require(await sim.activity(id: first.id))
        let record = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect((record["created"] as? NSNumber)?.int64Value == first.ms)
        await sim.stop()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ExecutableTests.binary.path)))
    func sigusr1WritesTheInventoryFileAndKeepsServing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-inventory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("inventory.txt")
        let process = Process()
        process.executableURL = ExecutableTests.binary
        process.arguments = ["--listen", "127.0.0.1:0", "--activities", "50", "--alerts", "7", "--live-rate", "100",
                             "--inventory-file", file.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let listening = await ExecutableTests.firstLine(of: out)
        let port = try #require(listening.wholeMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })
        kill(process.processIdentifier, SIGUSR1)
        #expect(await ExecutableTests.firstLine(of: out) == "inventory written")
        let lines = Self.parse(try String(contentsOf: file, encoding: .utf8))
        #expect(lines.filter { $0.kind == "activity" }.count >= 50)
        #expect(lines.filter { $0.kind == "alert" }.count == 7)
        // Written again on a second signal (the file exists now), and the server still answers.
        kill(process.processIdentifier, SIGUSR1)
        #expect(await ExecutableTests.firstLine(of: out) == "inventory written")
        #expect(Self.parse(try String(contentsOf: file, encoding: .utf8)).map(\.id) == lines.map(\.id), "no arrivals after the first SIGUSR1")
        let reply = try await TestHTTP.send("POST", "http://127.0.0.1:\(port)/api/v1/activities/",
                                            headers: ["Authorization": "Token sim-token"], body: Data(#"{"isScan":true}"#.utf8))
        #expect(reply.status == 200)
        process.terminate()
        #expect(await ExecutableTests.exitStatus(of: process) == 0)
    }
}
