// libFuzzer harness for Retry-After and its IMF-fixdate reader (Sources/MDCA/RetryAfter.swift
// compiled in), with an independent date formatter as the oracle.

private let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]   // 1970-01-01 was a Thursday
private let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/// Unix seconds (years 1..9999) as an IMF-fixdate, by counting days year by year and month by
/// month: deliberately unlike the reader's closed-form arithmetic.
private func imfFixdate(_ unixSeconds: Int64) -> String {
    var days = unixSeconds >= 0 ? unixSeconds / 86400 : (unixSeconds - 86399) / 86400
    let secondOfDay = unixSeconds - days * 86400
    let weekday = Int(((days % 7) + 7) % 7)
    func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    var year: Int64 = 1970
    while days < 0 { year -= 1; days += isLeap(year) ? 366 : 365 }
    while days >= (isLeap(year) ? 366 : 365) { days -= isLeap(year) ? 366 : 365; year += 1 }
    let lengths: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    var month = 0
    while days >= lengths[month] { days -= lengths[month]; month += 1 }
    func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(dayNames[weekday]), \(pad(days + 1, 2)) \(monthNames[month]) \(pad(year, 4)) "
        + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)) GMT"
}

private func integer(_ bytes: ArraySlice<UInt8>) -> Int64 {
    bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func retryAfterFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    // Any header value: nil or a wait within 0...maximum.
    let now = Int64(1_800_000_000)
    if let wait = RetryAfter.parse(String(decoding: input, as: UTF8.self), nowUnixSeconds: now) {
        check(wait >= .zero && wait <= RetryAfter.maximum, "wait \(wait) outside 0...\(RetryAfter.maximum)")
    }
    guard input.count >= 12 else { return 0 }
    // Delay-seconds: the number itself, capped.
    let seconds = integer(input.prefix(4)) & 0x7FFF_FFFF
    check(RetryAfter.parse(" \(seconds)\r\n", nowUnixSeconds: now) == min(.seconds(seconds), RetryAfter.maximum),
          "delay-seconds \(seconds)")
    // An IMF-fixdate from years 1...9999 against a clock a few seconds to days before it.
    let firstDay = Int64(-62_135_596_800), lastDay = Int64(253_402_300_799)   // 0001-01-01, 9999-12-31T23:59:59
    let date = firstDay + (integer(input[4..<10]) % (lastDay - firstDay + 1))
    let behind = integer(input[10..<12]) * 7
    let text = imfFixdate(date)
    check(RetryAfter.parseIMFFixdate(text) == date, "\(text) read as \(String(describing: RetryAfter.parseIMFFixdate(text))), not \(date)")
    check(RetryAfter.parse(text, nowUnixSeconds: date - behind) == min(.seconds(behind), RetryAfter.maximum),
          "\(text) \(behind) s ahead")
    check(RetryAfter.parse(text, nowUnixSeconds: date + behind) == .zero, "a date in the past is a zero wait")
    return 0
}
