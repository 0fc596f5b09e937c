import Logging
import Testing
@testable import Systemd

@Suite struct JournalFieldsTests {
    @Test(arguments: [
        ("page.records", "PAGE_RECORDS"),
        ("output-name", "OUTPUT_NAME"),
        ("tenant.url", "TENANT_URL"),
        ("HTTP.status2", "HTTP_STATUS2"),
        ("message", "MDCA_MESSAGE"),
        ("priority", "MDCA_PRIORITY"),
        ("code.file", "MDCA_CODE_FILE"),
        ("syslog_identifier", "MDCA_SYSLOG_IDENTIFIER"),
        ("2fa", "MDCA_2FA"),
        ("_private", "MDCA__PRIVATE"),
        ("", "MDCA_"),
        ("ü", "MDCA___"),
        ("a b=c", "A_B_C"),
    ])
    func metadataKeysBecomeJournalFieldNames(key: String, expected: String) {
        #expect(JournalFields.fieldName(forMetadataKey: key) == expected)
    }

    @Test func fieldNamesAreCutAt64Bytes() {
        let name = JournalFields.fieldName(forMetadataKey: String(repeating: "k", count: 100))
        #expect(name == String(repeating: "K", count: 64))
        let escaped = JournalFields.fieldName(forMetadataKey: "9" + String(repeating: "k", count: 100))
        #expect(escaped.utf8.count == 64)
        #expect(escaped.hasPrefix("MDCA_9K"))
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func levelsMapToSyslogPriorities(level: Logger.Level, priority: Int) {
        #expect(JournalFields.priority(level) == priority)
    }

    @Test func entryCarriesFixedFieldsThenSortedMetadataVerbatim() {
        struct Failure: Error, CustomStringConvertible { var description: String { "state file not durable" } }
        let fields = JournalFields.entry(
            message: "page forwarded", level: .warning, identifier: "mdca-forwarder", label: "forwarder.pipeline",
            file: "Forwarder/Pipeline.swift", function: "run()", line: 42, error: Failure(),
            metadata: ["page.records": "500", "message": "spoof", "detail": "two\nlines", "list": .array(["a", "b"])])
        let text = fields.map { String(decoding: $0, as: UTF8.self) }
        #expect(text == [
            "MESSAGE=page forwarded",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=mdca-forwarder",
            "LOGGER_LABEL=forwarder.pipeline",
            "CODE_FILE=Forwarder/Pipeline.swift",
            "CODE_LINE=42",
            "CODE_FUNC=run()",
            "ERROR=state file not durable",
            // The newline stays: sd_journal_sendv length-prefixes such values.
            "DETAIL=two\nlines",
            #"LIST=["a", "b"]"#,
            "MDCA_MESSAGE=spoof",
            "PAGE_RECORDS=500",
        ])
    }

    @Test func handlerMetadataIsOverriddenByProviderAndCallSite() {
        let provider = Logger.MetadataProvider { ["tenant": "provider", "request": "provider"] }
        let merged = mergedMetadata(
            handler: ["tenant": "handler", "output": "handler", "request": "handler"], provider: provider,
            event: ["request": "event"])
        #expect(merged == ["tenant": "provider", "output": "handler", "request": "event"])
    }

    @Test(arguments: [
        ("2049:123456", JournalStream(device: 2049, inode: 123456)),
        ("0:0", JournalStream(device: 0, inode: 0)),
        ("18446744073709551615:1", JournalStream(device: .max, inode: 1)),
        ("8:", nil), (":8", nil), ("8", nil), ("a:b", nil), ("1:2:3", nil), ("", nil), ("-1:2", nil), (" 1:2", nil),
    ] as [(String, JournalStream?)])
    func journalStreamParsing(value: String, expected: JournalStream?) {
        #expect(JournalStream.parse(value) == expected)
    }

    @Test func iovecsPointAtEveryFieldByteForByte() {
        let fields: [[UInt8]] = [Array("MESSAGE=a\nb".utf8), [], Array("BIN=".utf8) + [0, 255, 10], Array("X=y".utf8)]
        let rebuilt: [[UInt8]] = JournalLogHandler.withIOVecs(fields) { vectors in
            vectors.map { vector in
                guard let base = vector.iov_base else { return [] }
                return Array(UnsafeRawBufferPointer(start: base, count: vector.iov_len))
            }
        }
        #expect(rebuilt == fields)
        let none: Int = JournalLogHandler.withIOVecs([]) { $0.count }
        #expect(none == 0)
    }
}
