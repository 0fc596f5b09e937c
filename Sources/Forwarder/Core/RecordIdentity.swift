/// The identity of a record for the cursor's tie set (PRODUCT §3): its `_id`, or, for a
/// record without one, a digest of its raw JSON, so that two id-less records of the same
/// millisecond are both delivered instead of the second passing for a duplicate.
enum RecordIdentity {
    /// FNV-1a (64 bit): not a security boundary (the input is the service's own record), just
    /// a stable, allocation-free name that survives restarts in the state file.
    static func digest(_ bytes: ArraySlice<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "digest:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
