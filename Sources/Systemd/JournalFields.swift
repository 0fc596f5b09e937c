import Logging

/// Builds journald entries: pure functions, tested without a journal.
///
/// Metadata keys become journal field names by these rules (journald accepts only `A-Z`, `0-9`
/// and `_`, at most 64 bytes, not starting with `_` or a digit):
/// - ASCII letters are upper-cased, digits kept, everything else becomes `_`
///   (`page.records` → `PAGE_RECORDS`, `output-name` → `OUTPUT_NAME`);
/// - a name that would not start with a letter, or that would shadow a field this handler or
///   journald sets itself (`MESSAGE`, `PRIORITY`, `CODE_FILE`, …), gets the prefix `MDCA_`
///   (`message` → `MDCA_MESSAGE`, `2fa` → `MDCA_2FA`);
/// - names are cut at 64 bytes.
/// Two keys that map to the same name (`a.b` and `a_b`) both appear: journal fields may repeat.
public enum JournalFields {
    /// Prefix for metadata keys that are not valid or would shadow a well-known field.
    public static let escapePrefix = "MDCA_"

    /// Fields set by this handler or with a meaning to journald, journalctl or systemd.
    static let reserved: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO",
        "ERROR", "LOGGER_LABEL", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "SYSLOG_RAW", "INVOCATION_ID", "USER_INVOCATION_ID", "UNIT",
        "USER_UNIT", "TID", "DOCUMENTATION", "OBJECT_PID", "COREDUMP_UNIT", "COREDUMP_USER_UNIT",
    ]

    /// The journal field name for a swift-log metadata key (see the type's rules).
    public static func fieldName(forMetadataKey key: String) -> String {
        var name = ""
        name.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): name.append(Character(Unicode.Scalar(byte - 32)))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                name.append(Character(Unicode.Scalar(byte)))
            default:
                // Multi-byte UTF-8 characters become one `_` per byte; good enough for keys
                // that should be ASCII anyway.
                name.append("_")
            }
        }
        let startsWithLetter = name.utf8.first.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ?? false
        if !startsWithLetter || reserved.contains(name) {
            name = escapePrefix + name
        }
        return String(name.utf8.prefix(64)) ?? name
    }

    /// The syslog priority (RFC 5424 severity, as journald stores it) of a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The fields of one entry, each `NAME=value` as raw bytes (values may hold newlines:
    /// sd_journal_sendv sends them length-prefixed). Fixed fields first, then metadata sorted
    /// by key so entries are deterministic.
    public static func entry(
        message: String, level: Logger.Level, identifier: String, label: String,
        file: String, function: String, line: UInt, error: (any Error)? = nil,
        metadata: Logger.Metadata
    ) -> [[UInt8]] {
        var fields: [[UInt8]] = [
            field("MESSAGE", message),
            field("PRIORITY", String(priority(level))),
            field("SYSLOG_IDENTIFIER", identifier),
            field("LOGGER_LABEL", label),
            field("CODE_FILE", file),
            field("CODE_LINE", String(line)),
            field("CODE_FUNC", function),
        ]
        if let error {
            fields.append(field("ERROR", String(describing: error)))
        }
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            fields.append(field(fieldName(forMetadataKey: key), value.description))
        }
        return fields
    }

    static func field(_ name: String, _ value: String) -> [UInt8] {
        var bytes = Array(name.utf8)
        bytes.reserveCapacity(bytes.count + 1 + value.utf8.count)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value.utf8)
        return bytes
    }
}
