import Foundation

/// ISO-8601 UTC with milliseconds, the one time format the CLI and STATUS print.
public enum ISO8601 {
    public static func string(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    public static func string(ms: Int64) -> String {
        string(Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

/// Short human durations for lag figures: `42s`, `3m12s`, `5h02m`, `2d03h`.
public enum HumanDuration {
    /// A wait as the STATUS line announces it, rounded up to whole seconds.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return format(seconds: Double(seconds + (attoseconds > 0 ? 1 : 0)))
    }

    public static func format(seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m\(String(format: "%02d", s % 60))s"
        case ..<86400: return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
        default: return "\(s / 86400)d\(String(format: "%02d", (s % 86400) / 3600))h"
        }
    }
}
