/// Cutting UTF-8 byte sequences without splitting a character.
///
/// Receivers validate UTF-8 (RFC 5424 §6.4 says MSG is UTF-8), so a cut in the middle of a
/// multi-byte sequence would turn a long but valid message into an invalid one.
public enum UTF8Truncation {
    /// The largest length `<= limit` at which `bytes` can be cut without splitting a UTF-8
    /// sequence. `bytes.count` when it already fits.
    @inlinable
    public static func boundary<C: RandomAccessCollection>(_ bytes: C, limit: Int) -> Int
    where C.Element == UInt8, C.Index == Int {
        let count = bytes.count
        if count <= limit { return count }
        var cut = max(limit, 0)
        // Step back over continuation bytes (10xxxxxx): the cut must fall before a lead byte.
        while cut > 0 && bytes[bytes.startIndex + cut] & 0xC0 == 0x80 { cut -= 1 }
        return cut
    }

    /// Truncates the bytes of `buffer` after `start` to at most `limit` bytes on a UTF-8
    /// boundary. Returns true when something was cut.
    @discardableResult
    public static func truncate(_ buffer: inout [UInt8], from start: Int, limit: Int) -> Bool {
        let length = buffer.count - start
        guard length > limit else { return false }
        let keep = buffer.withUnsafeBufferPointer { all in
            boundary(UnsafeBufferPointer(rebasing: all[start...]), limit: limit)
        }
        buffer.removeSubrange((start + keep)...)
        return true
    }
}
