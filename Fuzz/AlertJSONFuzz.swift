// libFuzzer harness for the alert page and single-alert parsers (ActivityJSON compiled in).

/// An alert's rawJSON is valid JSON on its own, on one line, and reads back as the same alert.
private func checkReparses(_ alert: AlertRecord) {
    check(!alert.rawJSON.contains(0x0A) && !alert.rawJSON.contains(0x0D), "alert rawJSON spans lines")
    do {
        let again = try AlertRecord.parse(Array(alert.rawJSON))
        check(again == alert, "re-parsed alert differs for id \(alert.id)")
    } catch {
        check(false, "rawJSON of alert \(alert.id) does not re-parse: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func alertJSONFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = fuzzInput(data, size)
    do {
        let page = try AlertPage.parse(body)
        for alert in page.records { checkReparses(alert) }
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
    }
    do {
        checkReparses(try AlertRecord.parse(body))
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
    }
    return 0
}
