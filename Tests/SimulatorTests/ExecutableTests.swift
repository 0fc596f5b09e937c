import Dispatch
import Foundation
import Testing

/// Runs the built `mdca-simulator` binary (from `.build/debug`, built with the tests).
@Suite struct ExecutableTests {
    static let binary = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/mdca-simulator")

    /// Reads one line from the pipe on a queue of its own (a blocking read never runs on the
    /// cooperative pool).
    static func firstLine(of pipe: Pipe) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "simulator-test-reader").async {
                var line = Data()
                while true {
                    let byte = pipe.fileHandleForReading.readData(ofLength: 1)
                    if byte.isEmpty || byte == Data("\n".utf8) { break }
                    line.append(byte)
                }
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
    }

    static func exitStatus(of process: Process) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "simulator-test-waiter").async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func printsListeningLineAndExitsOnSIGTERM() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--listen", "127.0.0.1:0", "--activities", "20"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await Self.firstLine(of: out)
        let match = line.wholeMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/)
        let port = try #require(match.flatMap { Int($0.1) })
        #expect(port > 0)
        let reply = try await TestHTTP.send("POST", "http://127.0.0.1:\(port)/api/v1/activities/",
                                            headers: ["Authorization": "Token sim-token"], body: Data(#"{"isScan":true}"#.utf8))
        #expect(reply.status == 200)
        process.terminate()
        #expect(await Self.exitStatus(of: process) == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func refusesNonLoopbackWithoutAllowRemote() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--listen", "0.0.0.0:0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await Self.exitStatus(of: process) == 64)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func servesAlertsFromTheAlertFlags() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--listen", "127.0.0.1:0", "--activities", "0", "--alerts", "150", "--alert-burst", "120",
                             "--alert-closed-fraction", "0.5", "--alert-rate", "0", "--alert-close-rate", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await Self.firstLine(of: out)
        let port = try #require(line.wholeMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })
        let body = #"{"filters":{},"sortField":"date","sortDirection":"asc","limit":1000}"#
        let reply = try await TestHTTP.send("POST", "http://127.0.0.1:\(port)/api/v1/alerts/",
                                            headers: ["Authorization": "Token sim-token"], body: Data(body.utf8))
        #expect(reply.status == 200)
        #expect((reply.json?["data"] as? [Any])?.count == 100, "the token cap")
        #expect((reply.json?["total"] as? Int) == 150)
        process.terminate()
        #expect(await Self.exitStatus(of: process) == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func refusesNegativeAlertFlags() async throws {
        for arguments in [["--alerts", "-1"], ["--alert-closed-fraction", "2"], ["--alert-rate", "-0.5"]] {
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["--listen", "127.0.0.1:0"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            #expect(await Self.exitStatus(of: process) == 64, "\(arguments)")
        }
    }
}
