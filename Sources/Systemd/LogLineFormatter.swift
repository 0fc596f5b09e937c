import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Formats one log message as exactly one line (no trailing newline):
/// `<timestamp> <level> <label>: <message> key=value ...`
///
/// - The timestamp is UTC, RFC 3339 with milliseconds: `2026-11-21T19:32:23.123Z`.
/// - Metadata is sorted by key. A value holding a space, `"` or `=` is double-quoted.
/// - Backslash, CR, LF, tab and every other control character (and U+2028/U+2029) are escaped
///   (`\\`, `\r`, `\n`, `\t`, `\u{1B}`) in the message, keys and values, so no input can start
///   a second line or forge another entry (CWE-117).
public enum LogLineFormatter {
    public static func format(
        seconds: Int, nanoseconds: Int, level: Logger.Level, label: String, message: String,
        error: (any Error)? = nil, metadata: Logger.Metadata
    ) -> String {
        var line = timestamp(seconds: seconds, nanoseconds: nanoseconds)
        line += " \(level) \(escape(label)): \(escape(message))"
        if let error {
            line += " error=" + quoteIfNeeded(escape(String(describing: error)))
        }
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            let safeKey = escape(key).map { $0 == " " || $0 == "=" ? "_" : String($0) }.joined()
            line += " \(safeKey)=" + quoteIfNeeded(escape(value.description))
        }
        return line
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a Unix time.
    public static func timestamp(seconds: Int, nanoseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "\(seconds).\(nanoseconds / 1_000_000)" }
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + ".\(pad(Int32(nanoseconds / 1_000_000), 3))Z"
    }

    /// Escapes backslash and control characters; see the type's documentation.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}", "\u{2029}": out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func quoteIfNeeded(_ escaped: String) -> String {
        guard escaped.isEmpty || escaped.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else {
            return escaped
        }
        return "\"" + escaped.replacingAll("\"", with: "\\\"") + "\""
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
