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
        var storage = in6_addr()
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            self = .v6
        } else {
            guard inet_pton(AF_INET, text, &storage) == 1 else { return nil }
            self = .v4
        }
    }
}
