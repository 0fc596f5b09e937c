// Compiled into every fuzz target (Fuzz/fuzz.sh): the one way a harness reports a violated
// invariant, and the input as an array.

/// Stops the run with a message libFuzzer records next to the crashing input.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

/// libFuzzer's input as bytes (it may pass a null pointer with size 0).
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// True when `bytes` could be read as more than one line by some reader: LF, VT, FF, CR, and
/// (as UTF-8) NEL U+0085, U+2028 and U+2029 (Python's `splitlines`, .NET, Java's `\R`).
func hasLineBreak(_ bytes: some Collection<UInt8>) -> Bool {
    var previous: UInt8 = 0, beforePrevious: UInt8 = 0
    for byte in bytes {
        if (0x0A...0x0D).contains(byte) { return true }
        if previous == 0xC2 && byte == 0x85 { return true }
        if beforePrevious == 0xE2 && previous == 0x80 && (byte == 0xA8 || byte == 0xA9) { return true }
        beforePrevious = previous
        previous = byte
    }
    return false
}
