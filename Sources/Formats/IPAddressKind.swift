#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which IP family an address literal belongs to, for CEF `dvc` (IPv4) and `c6a1` (IPv6).
public enum IPAddressKind: Sendable, Equatable {
    case v4
    case v6

    /// The family of `text` when it is a valid IP literal, else nil. `inet_pton` is a pure
    /// parser (no system call, no name resolution), so it is fine in a formatter.
    public init?(literal text: String) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        // Only address characters: a NUL would end the C string early and let
        // "1.2.3.4\0anything" pass inet_pton.
        guard text.utf8.allSatisfy({ Self.isAddressByte($0) }) else { return nil }
        var storage = in6_addr()
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            self = .v6
        } else {
            guard inet_pton(AF_INET, text, &storage) == 1 else { return nil }
            self = .v4
        }
    }

    static func isAddressByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: ":"): true
        default: false
        }
    }
}
