import Foundation

/// Parses `checkpoint set --since`: an ISO-8601 time (`2026-11-01T00:00:00Z`, fractional
/// seconds and offsets allowed) or an age before `now` in the configuration's duration syntax
/// (`90m`, `12h`, `2d`).
public enum SinceParser {
    public static func parse(_ text: String, now: Date) -> Date? {
        if let ageMs = DurationText.milliseconds(text) {
            return now.addingTimeInterval(-Double(ageMs) / 1000)
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return date }
        iso.formatOptions = [.withInternetDateTime]
        return iso.date(from: text)
    }
}
