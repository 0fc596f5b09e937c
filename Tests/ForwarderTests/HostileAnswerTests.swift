import Foundation
import TestSupport
import Testing

/// Issue 11 item 6: hostile API answers must not make the forwarder's memory grow with them.
/// The cap on an answer is 64 MiB (README "Limits"); peak RSS must stay below twice that.
/// Measured on the real binary (its own VmHWM), so other tests running in this process cannot
/// disturb the figure.
@Suite struct HostileAnswerTests {
    static let capBytes = 64 << 20
    static let twiceTheCapKiB = 2 * capBytes / 1024

    /// Runs `once` against `server` and samples the child's peak RSS until it exits. After a
    /// refused answer the client waits (backoff ≥ 1 s) before it retries, so the peak of each
    /// attempt is sampled while the process is still alive.
    func onceAgainst(_ server: HostileHTTPServer) async throws -> (status: Int32?, stderr: String, peakKiB: Int) {
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml(tenantURL: "http://127.0.0.1:\(server.port)"))
        let child = ChildProcess("mdca-forwarder", arguments: ["once", "--config", fixture.configPath],
                                 environment: ["MDCA_FORWARDER_ONCE_GIVE_UP": "3s"])
        try child.start()
        var peak = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while child.isRunning && ContinuousClock.now < deadline {
            if let kib = peakRSSKiB(pid: child.pid) { peak = max(peak, kib) }
            try await Task.sleep(for: .milliseconds(5))
        }
        let status = await child.wait(timeout: .seconds(10))
        return (status, child.stderr, peak)
    }

    @Test func anEndlessAnswerWithoutContentLengthIsRefusedWithBoundedMemory() async throws {
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        // 400 MiB at most per answer, streamed: the test process never holds it.
        let server = try HostileHTTPServer(head: "HTTP/1.1 200 OK\r\nContent-Type: application/json") { index in
            index < 400 ? chunk : nil
        }
        defer { server.stop() }
        let r = try await onceAgainst(server)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("larger than \(Self.capBytes) bytes"), "\(r.stderr)")
        #expect(server.requestCount >= 1)
        #expect(r.peakKiB > 0)
        #expect(r.peakKiB < Self.twiceTheCapKiB, "peak RSS \(r.peakKiB / 1024) MiB with a \(Self.capBytes >> 20) MiB cap")
        print("HostileAnswerTests: endless answer, peak RSS \(r.peakKiB / 1024) MiB")
    }

    @Test func aGzipBombIsRefusedWithBoundedMemory() async throws {
        let bomb = try Self.gzipOfZeros(megabytes: 512)
        #expect(bomb.count < 4 << 20, "the bomb is small on the wire: \(bomb.count) bytes")
        let server = try HostileHTTPServer(
            head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)"
        ) { index in
            index == 0 ? bomb : nil
        }
        defer { server.stop() }
        let r = try await onceAgainst(server)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("larger than \(Self.capBytes) bytes"), "\(r.stderr)")
        #expect(r.peakKiB > 0)
        #expect(r.peakKiB < Self.twiceTheCapKiB, "peak RSS \(r.peakKiB / 1024) MiB with a \(Self.capBytes >> 20) MiB cap")
        print("HostileAnswerTests: gzip bomb of \(bomb.count) bytes, peak RSS \(r.peakKiB / 1024) MiB")
    }

    // MARK: secrets echoed by a gateway (item 5)

    /// Some gateways and proxies quote the request in their error pages. Neither the error
    /// message, the log lines, nor the state file may carry the token then.
    @Test(arguments: [(403, Int32(77)), (500, Int32(69))])
    func anErrorBodyEchoingTheTokenNeverLeaksIt(status: Int, exitCode: Int32) async throws {
        let body = Array(("<html><body><h1>Error \(status)</h1><pre>POST /api/v1/activities/ HTTP/1.1\n"
            + "Authorization: Token \(CLIFixture.secret)\nAccept: application/json</pre></body></html>").utf8)
        let server = try HostileHTTPServer(
            head: "HTTP/1.1 \(status) Oops\r\nContent-Type: text/html\r\nContent-Length: \(body.count)") { index in
            index == 0 ? body : nil
        }
        defer { server.stop() }
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml(tenantURL: "http://127.0.0.1:\(server.port)"))
        let r = try await fixture.run(["once", "--config", fixture.configPath], environment: ["MDCA_FORWARDER_ONCE_GIVE_UP": "2s"])
        #expect(r.status == exitCode, "\(r.stderr)")
        #expect(r.stderr.contains("HTTP \(status)"), "the error is still reported: \(r.stderr)")
        #expect(r.stderr.contains("<redacted>"), "the quoted part is kept, the secret replaced: \(r.stderr)")
        #expect(!r.stderr.contains(CLIFixture.secret) && !r.stdout.contains(CLIFixture.secret), "\(r.stderr)")
        let state = (try? String(contentsOfFile: fixture.statePath, encoding: .utf8)) ?? ""
        #expect(!state.contains(CLIFixture.secret))
    }

    // MARK: redirects (item 4)

    /// Whoever controls a redirect target must not inject activities: a 302/307 to another
    /// origin is an API error naming both ends, and the target is never asked.
    @Test(arguments: [302, 307])
    func aRedirectToAnotherOriginIsAnErrorAndNeverFollowed(status: Int) async throws {
        let page = Array(#"{"data":[{"_id":"injected","created":1}],"hasNext":false,"total":1}"#.utf8)
        let target = try HostileHTTPServer(
            head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(page.count)") { index in
            index == 0 ? page : nil
        }
        defer { target.stop() }
        let redirector = try HostileHTTPServer(
            head: "HTTP/1.1 \(status) Moved\r\nLocation: http://127.0.0.1:\(target.port)/api/v1/activities/?token=\(CLIFixture.secret)\r\nContent-Length: 0"
        ) { _ in nil }
        defer { redirector.stop() }
        let receiver = try LineReceiver()
        try receiver.start()
        defer { receiver.stop() }
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml(tenantURL: "http://127.0.0.1:\(redirector.port)", outputURL: "tcp://127.0.0.1:\(receiver.port)"))
        let r = try await fixture.run(["once", "--config", fixture.configPath], environment: ["MDCA_FORWARDER_ONCE_GIVE_UP": "2s"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("HTTP \(status) at http://127.0.0.1:\(redirector.port)/api/v1/activities/ redirects to http://127.0.0.1:\(target.port), another origin"), "\(r.stderr)")
        #expect(target.requestCount == 0, "the other origin was asked")
        #expect(receiver.count == 0)
        #expect(!r.stderr.contains(CLIFixture.secret))
    }

    /// `head -c N /dev/zero | gzip -1`, made by the system's gzip.
    static func gzipOfZeros(megabytes: Int) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "head -c \(megabytes << 20) /dev/zero | gzip -1 -c"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw POSIXError(.EIO) }
        return [UInt8](data)
    }
}
