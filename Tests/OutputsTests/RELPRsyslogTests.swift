import Foundation
@testable import Outputs
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The relp:// output against a real rsyslogd with imrelp on 127.0.0.1 (plain and TLS).
@Suite(.serialized)
struct RELPRsyslogTests {
    /// Short unique lines; rsyslog writes each as received (`%rawmsg%`).
    static func messages(_ label: String, _ range: Range<Int>) -> [[UInt8]] {
        range.map { Array("<134>1 2023-11-14T22:13:20.000Z h app - - - \(label)-\($0) payload é|\\=".utf8) }
    }

    static func batches(_ messages: [[UInt8]], size: Int) -> [MessageBatch] {
        stride(from: 0, to: messages.count, by: size).map { MessageBatch(Array(messages[$0..<min($0 + size, messages.count)])) }
    }

    /// Count of each expected line; lines that are not expected are returned too.
    static func tally(_ lines: [String], expected: [[UInt8]]) -> (missing: Int, duplicates: Int, unexpected: Int) {
        let wanted = Set(expected.map { String(decoding: $0, as: UTF8.self) })
        var counts: [String: Int] = [:]
        for line in lines { counts[line, default: 0] += 1 }
        let missing = wanted.filter { counts[$0] == nil }.count
        let duplicates = counts.filter { wanted.contains($0.key) }.values.reduce(0) { $0 + $1 - 1 }
        let unexpected = counts.keys.filter { !wanted.contains($0) }.count
        return (missing, duplicates, unexpected)
    }

    @Test(.timeLimit(.minutes(2)))
    func twentyThousandMessagesArriveExactlyOnce() async throws {
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "relp", kind: .relp, template: .rawMessage)], durable: true)
        defer { rsyslog.stop() }
        let output = try makeOutput(OutputConfig(name: "relp", url: "relp://127.0.0.1:\(rsyslog.port(named: "relp"))"))
        let messages = Self.messages("once", 0..<20_000)
        for batch in Self.batches(messages, size: 500) {
            try await output.deliver(batch)
            // deliver returned: rsyslog acknowledged every message, and (durable) wrote it.
        }
        let lines = rsyslog.lines(named: "relp")
        let tally = Self.tally(lines, expected: messages)
        #expect(tally.missing == 0 && tally.duplicates == 0 && tally.unexpected == 0, "\(tally)")
        #expect(lines.count == messages.count, "every acknowledged message is already in the file when deliver returns")
        await output.shutdown()
    }

    /// Sessions end at their last transaction number with `close` and a new session starts at 1
    /// (librelp servers cannot follow the wrap); lowered to 50 here so that it happens often.
    @Test(.timeLimit(.minutes(1)))
    func sessionsAreRenewedBeforeTheTransactionNumberWraps() async throws {
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "relp", kind: .relp, template: .rawMessage)], durable: true)
        defer { rsyslog.stop() }
        let config = OutputConfig(name: "relp", url: "relp://127.0.0.1:\(rsyslog.port(named: "relp"))")
        let output = QueueConfinedOutput(RELPOutput(config: config, host: "127.0.0.1", port: rsyslog.port(named: "relp"),
                                settings: RELPSettings(window: 16), renewalTxnr: 50))
        let messages = Self.messages("renew", 0..<1000)
        for batch in Self.batches(messages, size: 300) { try await output.deliver(batch) }
        let tally = Self.tally(rsyslog.lines(named: "relp"), expected: messages)
        #expect(tally.missing == 0 && tally.duplicates == 0 && tally.unexpected == 0, "\(tally)")
        await output.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func deliversOverTLSAndRefusesUntrustedCertificates() async throws {
        let dir = try TempDir("relp-tls")
        let certificates = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("certs")), name: "relp")
        let otherCA = try TestCertificates.make(in: URL(fileURLWithPath: dir.file("other")), name: "other")
        let rsyslog = try await Rsyslog.start(listeners: [.init(name: "relp", kind: .relpTLS(certificates), template: .rawMessage)],
                                              durable: true)
        defer { rsyslog.stop() }
        let url = "relp://127.0.0.1:\(rsyslog.port(named: "relp"))"
        let client = try certificates.makeClient()

        // The system store does not know the test CA; another CA did not sign it; the
        // certificate names localhost/127.0.0.1, not siem.example.com.
        for (label, tls) in [("system store", TLSSettings(certFile: client.certFile, keyFile: client.keyFile)),
                             ("other CA", TLSSettings(caFile: otherCA.caFile, certFile: client.certFile, keyFile: client.keyFile)),
                             ("wrong name", TLSSettings(caFile: certificates.caFile, certFile: client.certFile, keyFile: client.keyFile,
                                                        serverName: "siem.example.com"))] {
            let refused = try makeOutput(OutputConfig(name: "relp", url: url, tls: tls, connectTimeout: .seconds(5)))
            await #expect("\(label)", performing: { try await refused.deliver([Array("never".utf8)]) }, throws: { error in
                (error as? OutputError)?.kind == .tls
            })
        }
        #expect(rsyslog.lines(named: "relp").isEmpty, "nothing reached the file over an unverified session")

        let output = try makeOutput(OutputConfig(name: "relp", url: url, tls: TLSSettings(
            caFile: certificates.caFile, certFile: client.certFile, keyFile: client.keyFile)))
        let messages = Self.messages("tls", 0..<5000)
        for batch in Self.batches(messages, size: 500) { try await output.deliver(batch) }
        let tally = Self.tally(rsyslog.lines(named: "relp"), expected: messages)
        #expect(tally.missing == 0 && tally.duplicates == 0 && tally.unexpected == 0, "\(tally)")
        await output.shutdown()
    }

    /// Settings a relp:// output refuses before connecting.
    @Test(arguments: [
        (OutputConfig(name: "r", url: "relp://h:2514", relp: RELPSettings(window: 0)), "window 0 is outside 1...1024"),
        (OutputConfig(name: "r", url: "relp://h:2514", relp: RELPSettings(window: 1025)), "window 1025"),
        (OutputConfig(name: "r", url: "relp://h:2514", relp: RELPSettings(timeout: .zero)), "timeout must be positive"),
        (OutputConfig(name: "r", url: "relp://h:2514", tls: TLSSettings(certFile: "/c.pem")), "cert_file and key_file go together"),
        (OutputConfig(name: "r", url: "tcp://h:514", relp: RELPSettings()), "relp settings apply to relp:// only"),
    ])
    func invalidSettings(_ config: OutputConfig, _ reason: String) {
        let error = #expect(throws: OutputError.self) { try makeOutput(config) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
    }

    @Test(.timeLimit(.minutes(1)))
    func aReceiverThatIsDownIsAConnectError() async throws {
        let port = try FreePort.tcp()
        let output = try makeOutput(OutputConfig(name: "relp", url: "relp://127.0.0.1:\(port)", connectTimeout: .seconds(2)))
        await #expect(performing: { try await output.deliver([Array("x".utf8)]) }, throws: { error in
            guard let error = error as? OutputError else { return false }
            return error.kind == .connect && error.description.contains("127.0.0.1:\(port)")
        })
    }

    /// A receiver that reads but never answers: the batch fails after the timeout, naming it.
    @Test(.timeLimit(.minutes(1)))
    func aSilentReceiverTimesOut() async throws {
        let receiver = try LineReceiver()
        try receiver.start()
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "relp", url: "relp://127.0.0.1:\(receiver.port)",
                                                 relp: RELPSettings(timeout: .milliseconds(700))))
        let started = ContinuousClock.now
        await #expect(performing: { try await output.deliver([Array("x".utf8)]) }, throws: { error in
            guard let error = error as? OutputError else { return false }
            return error.kind == .timeout && error.description.contains("RELP open with 127.0.0.1")
                && error.description.contains("no response for 0.7 seconds")
        })
        // The configured timeout is what fired (the error names it); the wall clock only guards
        // against a hang, since a whole test run starting at once on 2 cores can delay resuming
        // this test by tens of seconds.
        #expect(ContinuousClock.now - started < .seconds(120))
    }
}
