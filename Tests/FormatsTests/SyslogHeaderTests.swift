import ActivityJSON
import Foundation
@testable import Formats
import Testing

func header5424(_ facility: Facility = .local0, _ severity: Severity = .info, host: String = "collector",
                app: String = "mdca-forwarder", pid: String = "42", msgID: String = "activity", ms: Int64) -> String {
    var buffer: [UInt8] = []
    SyslogHeader5424(facility: facility, severity: severity, hostname: host, appName: app, processID: pid,
                     messageID: msgID).append(unixMilliseconds: ms, into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

@Suite struct SyslogHeaderTests {
    @Test(arguments: [
        (Facility.kern, Severity.emerg, 0), (.user, .notice, 13), (.local0, .info, 134), (.local7, .debug, 191),
        (.auth, .crit, 34), (.authpriv, .warning, 84), (.audit, .alert, 105), (.clock, .err, 123),
    ])
    func priority(_ facility: Facility, _ severity: Severity, _ expected: Int) {
        #expect(SyslogPriority.value(facility: facility, severity: severity) == expected)
        var buffer: [UInt8] = []
        SyslogPriority.append(facility: facility, severity: severity, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "<\(expected)>")
    }

    @Test func facilityAndSeverityNamesRoundTrip() {
        for facility in Facility.allCases { #expect(Facility(name: facility.name) == facility) }
        for severity in Severity.allCases { #expect(Severity(name: severity.name) == severity) }
        #expect(Facility(name: "LOCAL3") == .local3)
        #expect(Facility(name: "security") == .audit)
        #expect(Facility(name: "local8") == nil)
        #expect(Severity(name: "warn") == .warning)
        #expect(Severity(name: "error") == .err)
        #expect(Severity(name: "loud") == nil)
        #expect(Facility.local0.rawValue == 16 && Facility.allCases.count == 24)
    }

    @Test(arguments: [
        (Int64(1_511_373_004_123), "2017-11-22T17:50:04.123Z", "Nov 22 17:50:04"),
        (0, "1970-01-01T00:00:00.000Z", "Jan  1 00:00:00"),
        (1_709_164_800_001, "2024-02-29T00:00:00.001Z", "Feb 29 00:00:00"),
        (1_798_761_599_999, "2026-12-31T23:59:59.999Z", "Dec 31 23:59:59"),
        (-1, "1969-12-31T23:59:59.999Z", "Dec 31 23:59:59"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z", "Feb 29 00:00:00"),
        (1_772_668_800_000, "2026-03-05T00:00:00.000Z", "Mar  5 00:00:00"),
    ])
    func timestamps(_ ms: Int64, _ rfc5424: String, _ rfc3164: String) {
        var a: [UInt8] = [], b: [UInt8] = []
        SyslogHeader5424.appendTimestamp(ms, into: &a)
        SyslogHeader3164.appendTimestamp(ms, into: &b)
        #expect(String(decoding: a, as: UTF8.self) == rfc5424)
        #expect(String(decoding: b, as: UTF8.self) == rfc3164)
    }

    @Test func utcTimeAgreesWithFoundationOnRandomInstants() {
        var rng = SeededGenerator(seed: 7)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        for _ in 0..<2000 {
            let ms = Int64.random(in: 0...7_000_000_000_000, using: &rng)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: Double(ms / 1000)))
            let t = UTCTime(unixMilliseconds: ms)
            #expect([t.year, t.month, t.day, t.hour, t.minute, t.second] == [c.year, c.month, c.day, c.hour, c.minute, c.second])
            #expect(t.millisecond == Int(ms % 1000))
        }
    }

    @Test func rfc5424Header() {
        #expect(header5424(ms: 1_511_373_004_123)
                == "<134>1 2017-11-22T17:50:04.123Z collector mdca-forwarder 42 activity - ")
    }

    @Test func rfc5424NilValuesAndSanitising() {
        #expect(header5424(host: "", app: "", pid: "", msgID: "", ms: 0) == "<134>1 1970-01-01T00:00:00.000Z - - - - - ")
        #expect(header5424(host: "my host\n", app: "é app", ms: 0)
                == "<134>1 1970-01-01T00:00:00.000Z my_host_ __app 42 activity - ")
    }

    @Test(arguments: [
        ("host", 255), ("app", 48), ("pid", 128), ("msgid", 32),
    ])
    func rfc5424FieldLengths(_ field: String, _ limit: Int) {
        let long = String(repeating: "x", count: 400)
        let text = header5424(host: field == "host" ? long : "h", app: field == "app" ? long : "a",
                              pid: field == "pid" ? long : "1", msgID: field == "msgid" ? long : "m", ms: 0)
        let parts = text.split(separator: " ")
        let index = ["host": 2, "app": 3, "pid": 4, "msgid": 5][field] ?? 0
        #expect(parts[index].count == limit)
    }

    @Test func rfc3164Header() {
        var buffer: [UInt8] = []
        SyslogHeader3164(facility: .local0, severity: .info, hostname: "collector", appName: "mdca-forwarder",
                         processID: "42").append(unixMilliseconds: 1_772_668_800_000, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "<134>Mar  5 00:00:00 collector mdca-forwarder[42]: ")
        #expect(SyslogHeader3164.tag("a:b[c] d") == Array("a_b_c__d".utf8))
        #expect(SyslogHeader3164.tag(String(repeating: "t", count: 50)).count == 32)
        #expect(SyslogHeader3164.tag("") == Array("-".utf8))
    }

    @Test func fullMessagesPerSyslogFormat() {
        let record = ActivityRecord(id: "id1", timestamp: 5, eventTypeName: "T", description: "D",
                                    rawJSON: ArraySlice(Array(#"{"_id":"id1","d":"a\nb"}"#.utf8) + [0x0A]))
        func message(_ options: MessageOptions) -> String {
            var buffer: [UInt8] = []
            MessageEncoder(options: options).encode(record, unixMilliseconds: 1_511_373_004_123, into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        let cef5424 = message(MessageOptions(hostname: "h", processID: "7"))
        #expect(cef5424.hasPrefix("<134>1 2017-11-22T17:50:04.123Z h mdca-forwarder 7 activity - CEF:0|MCAS|SIEM_Agent|1.0|T|D|0|externalId=id1 rt=5 "))
        let cef3164 = message(MessageOptions(syslog: .rfc3164, facility: .auth, severity: .notice, hostname: "h"))
        #expect(cef3164.hasPrefix("<37>Nov 22 17:50:04 h mdca-forwarder: CEF:0|"))
        // The raw JSON's escaped \n stays as is; a raw LF byte (never produced by the parser) becomes a space.
        #expect(message(MessageOptions(format: .json, syslog: .none)) == #"{"_id":"id1","d":"a\nb"} "#)
    }
}

@Suite struct FramingTests {
    @Test func lfAndOctetCounting() {
        var buffer: [UInt8] = []
        Framing.lf.append(Array("hello".utf8), into: &buffer)
        Framing.octetCounting.append(Array("héllo".utf8), into: &buffer)
        Framing.octetCounting.append([UInt8](), into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "hello\n6 héllo0 ")
        #expect(Framing(rawValue: "octet-counting") == .octetCounting)
    }

    @Test(arguments: [Int64(0), 7, 10, 99, 1234567890, -42, Int64.max, Int64.min])
    func digits(_ value: Int64) {
        var buffer: [UInt8] = []
        Digits.append(value, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == String(value))
    }
}

@Suite struct MaxMessageBytesTests {
    @Test func capCutsOnUTF8BoundaryAndNeverLeavesHalfAnEscape() {
        let record = ActivityRecord(id: "x", description: String(repeating: "€=🎉", count: 40))
        func encode(_ cap: Int) -> [UInt8] {
            var buffer: [UInt8] = []
            MessageEncoder(options: MessageOptions(hostname: "h", maxMessageBytes: cap)).encode(record, unixMilliseconds: 0, into: &buffer)
            return buffer
        }
        let full = encode(1 << 20)
        for cap in 1...full.count + 1 {
            let cut = encode(cap)
            #expect(cut.count <= cap && cut.count >= min(cap, full.count) - 4)
            #expect(full.starts(with: cut))
            #expect(String(validating: cut, as: UTF8.self) != nil)
        }
        let slashes = ActivityRecord(id: #"\\\\\\\\\\"#)
        let prefix = "CEF:0|MCAS|SIEM_Agent|1.0|EVENT_CATEGORY_UNSPECIFIED|EVENT_CATEGORY_UNSPECIFIED|0|externalId=".utf8.count
        for cap in prefix..<(prefix + 12) {
            var buffer: [UInt8] = []
            MessageEncoder(options: MessageOptions(syslog: .none, maxMessageBytes: cap)).encode(slashes, unixMilliseconds: 0, into: &buffer)
            #expect(buffer.count <= cap && buffer.count >= cap - 1)
            #expect((buffer.count - prefix) % 2 == 0) // whole "\\" pairs only
        }
    }
}
