import Foundation
import Formats
@testable import Outputs
import Testing

func messages(_ texts: [String]) -> [[UInt8]] { texts.map { Array($0.utf8) } }

@Suite struct TCPOutputTests {
    @Test(arguments: [(Framing.lf, "one\ntwo é\nthree\n"), (.octetCounting, "3 one6 two é5 three")])
    func framedBytesArrive(_ framing: Framing, _ expected: String) async throws {
        let receiver = try TCPReceiver()
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "t", url: "tcp://127.0.0.1:\(receiver.port)", framing: framing))
        try await output.deliver(messages(["one", "two é", "three"]))
        let arrived = try await eventually { receiver.all.count >= expected.utf8.count }
        #expect(arrived)
        #expect(receiver.all == Array(expected.utf8))
        #expect(receiver.received.count == 1) // one connection for the batch
        await output.shutdown()
    }

    @Test func receiverDownThenUpReconnects() async throws {
        let port = try freePort()
        let output = try makeOutput(OutputConfig(name: "siem", url: "tcp://127.0.0.1:\(port)", connectTimeout: .seconds(2)))
        let error = await #expect(throws: OutputError.self) { try await output.deliver(messages(["lost?"])) }
        #expect(error?.kind == .connect)
        #expect(error?.description.contains("output 'siem' (tcp://127.0.0.1:\(port)): connect to 127.0.0.1:\(port) failed") == true)
        #expect(error?.description.contains("refused") == true)

        let receiver = try TCPReceiver(port: port)
        defer { receiver.stop() }
        try await output.deliver(messages(["again"]))
        #expect(try await eventually { receiver.all == Array("again\n".utf8) })
        await output.shutdown()
    }

    @Test func peerThatClosedIsNoticedBeforeTheNextBatch() async throws {
        let receiver = try TCPReceiver()
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "t", url: "tcp://127.0.0.1:\(receiver.port)"))
        try await output.deliver(messages(["first"]))
        #expect(try await eventually { receiver.all.count == 6 })
        receiver.dropConnections()
        // Without the check the next batch would go into the dead socket and be lost.
        try await output.deliver(messages(["second"]))
        #expect(try await eventually { receiver.received.count == 2 && receiver.received[1] == Array("second\n".utf8) })
        await output.shutdown()
    }

    @Test func receiverThatNeverReadsFailsWithinTheWriteTimeout() async throws {
        let receiver = try TCPReceiver(reading: false, receiveBuffer: 4096)
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "stuck", url: "tcp://127.0.0.1:\(receiver.port)",
                                                 writeTimeout: .milliseconds(300)))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let batch = Array(repeating: chunk, count: 48)   // far more than both socket buffers hold
        let started = ContinuousClock.now
        let error = await #expect(throws: OutputError.self) { try await output.deliver(batch) }
        #expect(error?.kind == .write)
        // The configured 300 ms is what fired (the default is 30 s): the error names it. The
        // wall clock only guards against a hang: a loaded test run (2 cores shared with every
        // suite starting at once) can delay resuming this test by tens of seconds.
        #expect(error?.description.contains("for 300 ms") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(120))
        await output.shutdown()
    }

    @Test func udpSendsOneCappedDatagramPerMessage() async throws {
        let receiver = try UDPReceiver()
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "u", url: "udp://127.0.0.1:\(receiver.port)"))
        let long = "a" + String(repeating: "€", count: 1000)    // 3001 bytes
        try await output.deliver(messages(["first", long, "third"]))
        #expect(try await eventually { receiver.received.count == 3 })
        let got = receiver.received
        #expect(got[0] == Array("first".utf8))
        #expect(got[1].count == 2047)                            // 2048 would split a €
        #expect(String(validating: got[1], as: UTF8.self) != nil)
        #expect(got[2] == Array("third".utf8))
        await output.shutdown()
    }

    @Test func udpCapIsConfigurable() async throws {
        let receiver = try UDPReceiver()
        defer { receiver.stop() }
        let config = OutputConfig(name: "u", url: "udp://127.0.0.1:\(receiver.port)", maxMessageBytes: 100)
        #expect(config.effectiveMaxMessageBytes == 100)
        #expect(OutputConfig(name: "u", url: "udp://h:1").effectiveMaxMessageBytes == 2048)
        #expect(OutputConfig(name: "t", url: "tcp://h:1").effectiveMaxMessageBytes == 8192)
        let output = try makeOutput(config)
        try await output.deliver([[UInt8](repeating: 65, count: 500)])
        #expect(try await eventually { receiver.received.count == 1 })
        #expect(receiver.received.first?.count == 100)
        await output.shutdown()
    }
}

@Suite struct FileOutputTests {
    @Test func appendsAndReopensAfterRotation() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileoutput-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.log").path
        try Data("existing\n".utf8).write(to: URL(fileURLWithPath: path))

        let output = try makeOutput(OutputConfig(name: "f", url: "file://\(path)"))
        try await output.deliver(messages(["one", "two"]))
        try await output.deliver(messages(["three"]))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "existing\none\ntwo\nthree\n")

        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try await output.deliver(messages(["four"]))          // a new file at the path, no signal needed
        await output.reopen()                                 // SIGHUP still works
        try await output.deliver(messages(["five"]))
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8) == "existing\none\ntwo\nthree\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "four\nfive\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o007 } == 0) // never world-readable (0640 minus umask)
        await output.shutdown()
    }

    @Test func unwritablePathIsAFileError() async throws {
        // A missing directory is created (FileRotationTests); one under a regular file cannot be.
        let output = try makeOutput(OutputConfig(name: "f", url: "file:///dev/null/x.log"))
        let error = await #expect(throws: OutputError.self) { try await output.deliver(messages(["x"])) }
        #expect(error?.kind == .file)
        #expect(error?.description == "output 'f' (file:///dev/null/x.log): open /dev/null/x.log failed: Not a directory (errno 20)")
    }
}

@Suite struct OutputFactoryTests {
    @Test(arguments: [
        ("tcp://siem.example.com:514", Endpoint.tcp(host: "siem.example.com", port: 514)),
        ("TCP://[::1]:6514/", .tcp(host: "::1", port: 6514)),
        ("udp://10.0.0.1:514", .udp(host: "10.0.0.1", port: 514)),
        ("tls://siem:6514", .tls(host: "siem", port: 6514)),
        ("relp://siem:2514", .relp(host: "siem", port: 2514)),
        ("RELP://[2001:db8::1]:2514", .relp(host: "2001:db8::1", port: 2514)),
        ("file:///var/log/mdca.log", .file(path: "/var/log/mdca.log")),
        ("stdout:", .stdout),
    ])
    func validURLs(_ url: String, _ endpoint: Endpoint) throws {
        #expect(try Endpoint.parse(url, output: "o") == endpoint)
    }

    @Test(arguments: [
        ("siem:514", "unknown scheme 'siem'"),
        ("http://siem:514", "unknown scheme 'http'"),
        ("tcp://siem", "missing port"),
        ("tcp://siem:0", "not a number in 1...65535"),
        ("tcp://siem:99999", "not a number in 1...65535"),
        ("tcp://:514", "missing host"),
        ("tcp://::1:514", "IPv6 hosts go in brackets"),
        ("tcp://user@siem:514", "no path, user or query"),
        ("udp:/siem:514", "expected udp://host:port"),
        ("file://relative/path", "absolute path"),
        ("file:///var/log/", "absolute path"),
        ("tcp://siem:+514", "not a number in 1...65535"),
        ("tcp://si em:514", "white space in the host"),
        ("relp://siem", "missing port"),
        ("nothing", "no scheme"),
    ])
    func invalidURLs(_ url: String, _ reason: String) {
        let error = #expect(throws: OutputError.self) { try makeOutput(OutputConfig(name: "bad", url: url)) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("output 'bad' (\(url))") == true)
    }

    @Test func settingsThatDoNotApply() {
        let cases: [(OutputConfig, String)] = [
            (OutputConfig(name: "u", url: "udp://h:1", framing: .octetCounting), "octet-counting applies to tcp"),
            (OutputConfig(name: "u", url: "tcp://h:1", tls: TLSSettings(caFile: "/ca")), "tls settings apply to tls"),
            (OutputConfig(name: "u", url: "tls://h:1", tls: TLSSettings(certFile: "/c")), "cert_file and key_file go together"),
            (OutputConfig(name: "u", url: "tcp://h:1", maxMessageBytes: 10), "too small"),
        ]
        for (config, reason) in cases {
            let error = #expect(throws: OutputError.self) { try makeOutput(config) }
            #expect(error?.reason.contains(reason) == true, "\(error?.description ?? "")")
        }
    }
}
