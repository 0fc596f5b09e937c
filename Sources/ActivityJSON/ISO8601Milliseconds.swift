/// `2020-07-12T07:48:40.975Z` → Unix ms, for the alerts' `resolveTime`. A small hand parser:
/// this module has no Foundation, and the format the service writes is this one.
public enum ISO8601Milliseconds {
    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; a space is accepted for `T`. nil for
    /// anything else (a record's odd value never fails a page, it is just not a time).
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in start..<(start + count) {
                let d = b[i] &- 0x30
                guard d <= 9 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
              let day = number(8, 2), b[10] == UInt8(ascii: "T") || b[10] == 0x20,
              let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A,
              let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var p = 19
        var millis: Int64 = 0
        if p < b.count, b[p] == 0x2E {
            p += 1
            var digits = 0
            while p < b.count, b[p] &- 0x30 <= 9 {
                if digits < 3 { millis = millis * 10 + Int64(b[p] &- 0x30) }
                digits += 1
                p += 1
            }
            guard digits > 0 else { return nil }
            var scale = digits
            while scale < 3 { millis *= 10; scale += 1 }
        }
        var offsetMinutes: Int64 = 0
        guard p < b.count else { return nil }
        if b[p] == UInt8(ascii: "Z") {
            p += 1
        } else if b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") {
            guard let oh = number(p + 1, 2), p + 3 < b.count, b[p + 3] == 0x3A, let om = number(p + 4, 2) else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[p] == UInt8(ascii: "-") ? -1 : 1)
            p += 6
        } else {
            return nil
        }
        guard p == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millis
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
