#if canImport(Glibc)
import Glibc
#endif

/// The `JOURNAL_STREAM` value systemd sets when stdout/stderr are connected to journald:
/// `<device>:<inode>` of that stream, in decimal (systemd.exec(5), "Environment variables").
public struct JournalStream: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Parses `<device>:<inode>`; nil for anything else.
    public static func parse(_ value: String) -> JournalStream? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else {
            return nil
        }
        return JournalStream(device: device, inode: inode)
    }

    /// True when `fd` is the stream this value names. This is the documented check: a
    /// process whose stderr was redirected (e.g. `2>file` in a child) must not keep writing
    /// structured entries to the journal just because the variable was inherited.
    public func matches(fileDescriptor fd: Int32) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return UInt64(st.st_dev) == device && UInt64(st.st_ino) == inode
    }

    /// `JOURNAL_STREAM` from the environment, parsed; nil when unset or malformed.
    public static func fromEnvironment() -> JournalStream? {
        guard let raw = getenv("JOURNAL_STREAM") else { return nil }
        return parse(String(cString: raw))
    }
}
