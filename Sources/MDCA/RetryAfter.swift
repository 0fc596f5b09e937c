/// The `Retry-After` header of a 429 or 503 (RFC 9110 §10.2.3): either delay-seconds or an
/// HTTP-date.
public enum RetryAfter {
    /// The longest wait taken from a header, so that a bogus value cannot park the forwarder for days.
    public static let maximum: Duration = .seconds(3600)

    /// The wait the header asks for, or nil when it is absent or unparseable (the caller then
    /// waits 60 s plus jitter). A date in the past means "now" (zero).
    /// - Parameter nowUnixSeconds: the wall clock, for HTTP-dates.
    public static func parse(_ header: String?, nowUnixSeconds: Int64) -> Duration? {
        // Trims CR/LF too: a transport that hands over the raw header line must not turn a
        // valid Retry-After into the 60 s fallback.
        guard let raw = header?.trimmingSpaces, !raw.isEmpty else { return nil }
        if raw.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let seconds = Int64(raw) else { return maximum }   // too many digits
            return min(.seconds(seconds), maximum)
        }
        guard let date = parseIMFFixdate(raw) else { return nil }
        return min(.seconds(max(0, date - nowUnixSeconds)), maximum)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, the form RFC 9110 requires senders to
    /// use) to Unix seconds.
    static func parseIMFFixdate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int64(parts[1]), parts[1].count == 2,
            let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int64(parts[3]), parts[3].count == 4
        else { return nil }
        let hms = parts[4].split(separator: ":")
        guard hms.count == 3, let h = Int64(hms[0]), let m = Int64(hms[1]), let s = Int64(hms[2]),
            (1...31).contains(day), (0...23).contains(h), (0...59).contains(m), (0...60).contains(s)
        else { return nil }
        let days = daysFromCivil(year: year, month: Int64(monthIndex + 1), day: day)
        return days * 86400 + h * 3600 + m * 60 + s
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" || f == "\r\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" || l == "\r\n" { s.removeLast() }
        return String(s)
    }
}
