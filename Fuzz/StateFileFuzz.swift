// libFuzzer harness for the state file loader (Sources/Checkpoint compiled in, POSIX linked):
// whatever a crash, a full disk or a hand edit left in the file.
#if canImport(Glibc)
import Glibc
#endif
import POSIX

/// Per-process files on tmpfs (several fuzzers may run at once).
private let directory: String = {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(base)/mdca-state-fuzz-\(getpid())"
    mkdir(path, 0o700)
    return path
}()

private func write(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "open \(path): errno \(errno)")
    var written = 0
    while written < bytes.count {
        let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        check(n > 0, "write \(path): errno \(errno)")
        written += n
    }
    check(close(fd) == 0, "close \(path)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func stateFileFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let file = StateFile(path: directory + "/state.json")
    write(input, to: file.path)
    let state: ForwarderState?
    do {
        state = try file.load()
    } catch {
        // Refused with a reason that names the file and never leaks the bytes' line breaks.
        check(error.path == file.path, "error about \(error.path), not the state file")
        check(!error.description.contains("\n"), "error message spans lines: \(error.description)")
        switch error.kind {
        case .unreadable, .unsupportedVersion: break
        default: check(false, "unexpected error kind \(error.kind)")
        }
        return 0
    }
    guard let state else { check(false, "an existing file read as absent"); return 0 }
    check(state.version == ForwarderState.currentVersion, "loaded state not upgraded to the current version")
    // What loaded saves and loads back; after that first normalisation (dates to milliseconds)
    // saving and loading changes nothing.
    let copy = StateFile(path: directory + "/copy.json")
    do {
        try copy.save(state)
        guard let once = try copy.load() else { check(false, "saved state read as absent"); return 0 }
        try copy.save(once)
        let twice = try copy.load()
        check(twice == once, "state saved and loaded back differs: \(once) vs \(String(describing: twice))")
    } catch {
        check(false, "a loaded state cannot be saved and loaded back: \(error)")
    }
    return 0
}
