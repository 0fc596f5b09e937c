/// A UTC calendar time from Unix milliseconds, computed arithmetically (no time-zone database,
/// no formatter objects: this runs once per message).
public struct UTCTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int, millisecond: Int

    /// Splits `unixMilliseconds` (may be negative) into UTC fields.
    public init(unixMilliseconds: Int64) {
        let msPerDay: Int64 = 86_400_000
        var days = unixMilliseconds / msPerDay
        var rest = unixMilliseconds % msPerDay
        if rest < 0 { rest += msPerDay; days -= 1 }
        millisecond = Int(rest % 1000)
        let seconds = Int(rest / 1000)
        hour = seconds / 3600
        minute = seconds / 60 % 60
        second = seconds % 60
        // Howard Hinnant's civil_from_days (proleptic Gregorian calendar).
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}
