import ActivityJSON
import Foundation
import Formats
@testable import Outputs
import TestSupport
import Testing

/// Records with the awkward characters real tenants produce, each with a unique id.
func e2eRecords(_ label: String, count: Int) -> [ActivityRecord] {
    (0..<count).map { index in
        ActivityRecord(
            id: "\(label)-\(index)_97ee2049-893e-4c9d-a312-08d82b46faf7", timestamp: 1_595_096_313_000 + Int64(index),
            eventTypeName: "EVENT_CATEGORY_UNSPECIFIED", eventCategory: "Failed log on",
            description: "line one\nline two | a=b \\ é 🎉\u{2028}end", userName: "user\(index)@contoso.com",
            appName: "Office 365", appId: "11161", clientIP: index % 2 == 0 ? "1.2.3.4" : "2001:db8::1",
            userAgent: "Mozilla/5.0 (X11; Linux)", targetObjectNames: ["a,b", "c"], policyIDs: ["p1"])
    }
}

func encodeAll(_ records: [ActivityRecord], maxMessageBytes: Int = 8192) -> [[UInt8]] {
    let encoder = MessageEncoder(options: MessageOptions(
        hostname: "collector", processID: "4242", maxMessageBytes: maxMessageBytes,
        cef: CEFOptions(portalURL: "https://contoso.portal.cloudappsecurity.com")))
    return records.map { record in
        var buffer: [UInt8] = []
        encoder.encode(record, unixMilliseconds: 1_700_000_000_000, into: &buffer)
        return buffer
    }
}

/// Checks that every record arrived exactly once, on its own line, as parseable CEF.
func expectExactlyOnce(_ lines: [String], _ records: [ActivityRecord], sourceLocation: SourceLocation = #_sourceLocation) {
    var seen: [String: Int] = [:]
    for line in lines {
        guard let cefStart = line.range(of: "CEF:0|") else {
            Issue.record("not a CEF line: \(line)", sourceLocation: sourceLocation)
            continue
        }
        #expect(line.hasPrefix("<134>1 2023-11-14T22:13:20.000Z collector mdca-forwarder 4242 activity - "),
                sourceLocation: sourceLocation)
        let cef = line[cefStart.lowerBound...]
        // The seventh unescaped '|' ends the header; the extension follows ('|' in values is legal).
        var pipes = 0, escaped = false
        var extensionStart = cef.unicodeScalars.endIndex
        for index in cef.unicodeScalars.indices {
            let character = cef.unicodeScalars[index]
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "|" {
                pipes += 1
                if pipes == 7 { extensionStart = cef.unicodeScalars.index(after: index); break }
            }
        }
        #expect(cef[extensionStart...].hasPrefix("externalId="), sourceLocation: sourceLocation)
        #expect(cef.hasPrefix("CEF:0|MCAS|SIEM_Agent|1.0|EVENT_CATEGORY_UNSPECIFIED|Failed log on|0|"), sourceLocation: sourceLocation)
        #expect(cef.contains(#"msg=line one\nline two | a\=b \\ é 🎉 end suser="#), sourceLocation: sourceLocation)
        guard let idStart = cef.range(of: "externalId="), let idEnd = cef.range(of: " rt=") else {
            Issue.record("no externalId in \(cef)", sourceLocation: sourceLocation)
            continue
        }
        seen[String(cef[idStart.upperBound..<idEnd.lowerBound]), default: 0] += 1
    }
    #expect(seen == Dictionary(uniqueKeysWithValues: records.map { ($0.id, 1) }), sourceLocation: sourceLocation)
}

@Suite(.serialized) struct RsyslogEndToEndTests {
    @Test(arguments: [Framing.lf, .octetCounting])
    func tcpIntoRsyslog(_ framing: Framing) async throws {
        let rsyslog = try await Rsyslog.start([.tcp])
        defer { rsyslog.stop() }
        let records = e2eRecords("tcp-\(framing.rawValue)", count: 200)
        let output = try makeOutput(OutputConfig(name: "rsyslog", url: "tcp://127.0.0.1:\(rsyslog.port(.tcp))", framing: framing))
        let encoded = encodeAll(records)
        try await output.deliver(Array(encoded[..<100]))
        try await output.deliver(Array(encoded[100...]))
        await output.shutdown()
        expectExactlyOnce(try await rsyslog.waitForLines(records.count), records)
    }

    @Test func udpIntoRsyslog() async throws {
        let rsyslog = try await Rsyslog.start([.udp])
        defer { rsyslog.stop() }
        let records = e2eRecords("udp", count: 50)
        let output = try makeOutput(OutputConfig(name: "rsyslog", url: "udp://127.0.0.1:\(rsyslog.port(.udp))"))
        try await output.deliver(encodeAll(records, maxMessageBytes: 2048))
        await output.shutdown()
        expectExactlyOnce(try await rsyslog.waitForLines(records.count), records)
    }

    @Test func tlsIntoRsyslogAndUntrustedCertificatesAreRefused() async throws {
        let certDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: certDirectory) }
        let certificates = try TestCertificates.make(in: certDirectory, name: "server")
        let otherCA = try TestCertificates.make(in: certDirectory, name: "other")
        let rsyslog = try await Rsyslog.start([.tls(certificates)])
        defer { rsyslog.stop() }
        let url = "tls://127.0.0.1:\(rsyslog.port(.tls(certificates)))"

        // No CA file: the system store does not know the test CA.
        let untrusted = try makeOutput(OutputConfig(name: "tls", url: url, connectTimeout: .seconds(5)))
        let systemStoreError = await #expect(throws: OutputError.self) { try await untrusted.deliver(encodeAll(e2eRecords("x", count: 1))) }
        #expect(systemStoreError?.kind == .tls)
        #expect(systemStoreError?.failureKind == .configuration, "not fixed by retrying: \(String(describing: systemStoreError))")
        // A CA that did not sign the server's certificate.
        let wrongCA = try makeOutput(OutputConfig(name: "tls", url: url, tls: TLSSettings(caFile: otherCA.caFile),
                                                  connectTimeout: .seconds(5)))
        let wrongCAError = await #expect(throws: OutputError.self) { try await wrongCA.deliver(encodeAll(e2eRecords("y", count: 1))) }
        #expect(wrongCAError?.kind == .tls)
        #expect(wrongCAError?.failureKind == .configuration, "not fixed by retrying: \(String(describing: wrongCAError))")
        // Wrong name: the certificate is for localhost / 127.0.0.1.
        let wrongName = try makeOutput(OutputConfig(name: "tls", url: url,
                                                    tls: TLSSettings(caFile: certificates.caFile, serverName: "siem.example.com"),
                                                    connectTimeout: .seconds(5)))
        let wrongNameError = await #expect(throws: OutputError.self) { try await wrongName.deliver(encodeAll(e2eRecords("z", count: 1))) }
        #expect(wrongNameError?.kind == .tls)
        #expect(wrongNameError?.failureKind == .configuration, "not fixed by retrying: \(String(describing: wrongNameError))")

        let records = e2eRecords("tls", count: 200)
        let output = try makeOutput(OutputConfig(name: "tls", url: url,
                                                 tls: TLSSettings(caFile: certificates.caFile, serverName: "localhost")))
        let encoded = encodeAll(records)
        try await output.deliver(Array(encoded[..<50]))
        try await output.deliver(Array(encoded[50...]))
        await output.shutdown()
        expectExactlyOnce(try await rsyslog.waitForLines(records.count), records)
    }
}
