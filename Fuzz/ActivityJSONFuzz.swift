// libFuzzer harness for the activity page and single-record parsers (ActivityJSON, compiled
// into this module so that internal API is reachable).

/// A record's rawJSON is valid JSON on its own, on one line, and reads back as the same record.
private func checkReparses(_ record: ActivityRecord) {
    check(!record.rawJSON.contains(0x0A) && !record.rawJSON.contains(0x0D), "record rawJSON spans lines")
    do {
        let again = try ActivityRecord.parse(Array(record.rawJSON))
        check(again.id == record.id, "re-parsed id \(again.id) != \(record.id)")
        check(again == record, "re-parsed record differs for id \(record.id)")
    } catch {
        check(false, "rawJSON of record \(record.id) does not re-parse: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func activityJSONFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = fuzzInput(data, size)
    do {
        let page = try ActivityPage.parse(body)
        for record in page.records { checkReparses(record) }
        if let filters = page.nextQueryFilters {
            check(!filters.contains(0x0A) && !filters.contains(0x0D), "nextQueryFilters spans lines")
            check(!filters.contains(0x20) || filters.contains(0x22), "nextQueryFilters kept whitespace outside strings")
        }
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
    }
    do {
        checkReparses(try ActivityRecord.parse(body))
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
    }
    return 0
}
