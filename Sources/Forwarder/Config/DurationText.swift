/// Durations in the configuration file: one or more `<integer><unit>` parts, units
/// `ms s m h d` (e.g. `60s`, `1500ms`, `2d`, `1h30m`). A bare number is refused because its
/// unit would be a guess.
enum DurationText {
    /// What the error messages show as the expected form.
    static let expected = "a duration like 60s, 1500ms, 90m, 2d or 1h30m (units ms s m h d)"

    /// Parses the text into milliseconds; nil when it is not of the documented form.
    static func milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var total: Int64 = 0
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (times10, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int64(bytes[index] - 0x30))
                guard !overflow1, !overflow2 else { return nil }
                number = sum
                index += 1
            }
            guard index > start, index < bytes.count else { return nil }
            let unit: Int64
            if bytes[index] == UInt8(ascii: "m"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") {
                unit = 1
                index += 2
            } else {
                switch bytes[index] {
                case UInt8(ascii: "s"): unit = 1_000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                case UInt8(ascii: "d"): unit = 86_400_000
                default: return nil
                }
                index += 1
            }
            let (part, overflow3) = number.multipliedReportingOverflow(by: unit)
            let (sum, overflow4) = total.addingReportingOverflow(part)
            guard !overflow3, !overflow4 else { return nil }
            total = sum
        }
        return total
    }

    static func parse(_ text: String) -> Duration? {
        milliseconds(text).map { .milliseconds($0) }
    }

    /// The shortest compound form, e.g. 5_400_000 ms -> `1h30m`; 0 -> `0s`.
    static func render(_ duration: Duration) -> String {
        var remaining = milliseconds(of: duration)
        guard remaining > 0 else { return "0s" }
        var out = ""
        for (unit, name) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")] {
            let count = remaining / unit
            if count > 0 {
                out += "\(count)\(name)"
                remaining -= count * unit
            }
        }
        return out
    }

    /// Whole milliseconds of a duration (sub-millisecond parts cannot come from the file).
    static func milliseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
