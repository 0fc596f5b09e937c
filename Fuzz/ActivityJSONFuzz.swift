// libFuzzer harness for ActivityJSON: `make fuzz` compiles it together with the module's
// sources (one module, so internal API is reachable) with -sanitize=fuzzer,address.

/// Stops the run with a message libFuzzer records next to the crashing input.
private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

/// One line: the forwarder's `json` output and CWE-117 both rely on it.
private func checkOneLine(_ raw: ArraySlice<UInt8>, _ what: String) {
    check(!raw.contains(0x0A) && !raw.contains(0x0D), "\(what) rawJSON spans lines")
}

/// A record's rawJSON is valid JSON on its own and reads back as the same record.
private func checkReparses(_ record: ActivityRecord) {
    checkOneLine(record.rawJSON, "record")
    do {
        let again = try ActivityRecord.parse(Array(record.rawJSON))
        check(again.id == record.id, "re-parsed id \(again.id) != \(record.id)")
        check(again == record, "re-parsed record differs for id \(record.id)")
    } catch {
        check(false, "rawJSON of record \(record.id) does not re-parse: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func activityJSONFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
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
        let record = try ActivityRecord.parse(body)
        checkReparses(record)
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
    }
    return 0
}
