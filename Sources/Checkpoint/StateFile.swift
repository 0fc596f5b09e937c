#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import POSIX

/// The state file, read and written crash-safely (PRODUCT §3 "Checkpoint").
///
/// `save` writes a temp file in the same directory (`.<name>.tmp-<pid>-<random>`, mode 0600),
/// fsyncs it, renames it over the target and fsyncs the directory, so after a crash at any
/// instant the file holds either the previous or the new state, never a mix.
///
/// Every method blocks on disk I/O (`fsync` can take a long time on a busy disk). Callers run
/// them on a thread or serial queue they own, never on Swift's cooperative pool; the type is
/// deliberately synchronous so that the caller chooses that executor.
public struct StateFile: Sendable {
    /// The state file's path.
    public let path: String

    /// Files larger than this are not state files; refusing them keeps a wrong path from
    /// reading gigabytes into memory.
    static let maximumSize = 64 << 20

    public init(path: String) {
        self.path = path
    }

    var temporaryPrefix: String { "." + baseName(of: path) + ".tmp-" }

    /// Reads the state. Returns `nil` when the file does not exist (first start); throws when it
    /// exists but is empty, truncated, not JSON, or of another version, with a recovery hint.
    public func load() throws(StateFileError) -> ForwarderState? {
        guard let bytes = try readAll() else { return nil }
        return try Self.decode(bytes, source: path)
    }

    /// The state in `bytes` (a state file's content, or the same JSON kept elsewhere, e.g. an
    /// etcd checkpoint); errors name `source`. Empty, not JSON, or another version: refused.
    public static func decode(_ bytes: [UInt8], source: String) throws(StateFileError) -> ForwarderState {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw StateFileError(.unreadable(reason: "the file is empty"), path: source)
        }
        let data = Data(bytes)
        let decoder = ForwarderState.makeDecoder()
        // The version is checked first so that a newer format is reported as such, not as
        // "missing key" noise.
        struct VersionProbe: Decodable { var version: Int }
        let version: Int
        do {
            version = try decoder.decode(VersionProbe.self, from: data).version
        } catch {
            throw StateFileError(.unreadable(reason: Self.describe(error)), path: source)
        }
        guard ForwarderState.readableVersions.contains(version) else {
            throw StateFileError(.unsupportedVersion(version), path: source)
        }
        do {
            var state = try decoder.decode(ForwarderState.self, from: data)
            // An older file is upgraded in place: the next save writes the current version.
            state.version = ForwarderState.currentVersion
            return state
        } catch {
            throw StateFileError(.unreadable(reason: Self.describe(error)), path: source)
        }
    }

    /// The state file's content for `state`: pretty, sorted JSON and a final newline.
    public static func encode(_ state: ForwarderState, source: String) throws(StateFileError) -> [UInt8] {
        do {
            return Array(try ForwarderState.makeEncoder().encode(state)) + [0x0A]
        } catch {
            // Unreachable for this plain value type, but never crash a daemon over it.
            throw StateFileError(.unreadable(reason: "cannot encode state: \(error)"), path: source)
        }
    }

    /// Writes the state crash-safely: temp file, full write, fsync, rename, directory fsync.
    /// Any failure throws; the caller must then stop rather than act as if the state were durable.
    public func save(_ state: ForwarderState) throws(StateFileError) {
        let bytes = try Self.encode(state, source: path)
        let directory = directoryName(of: path)
        let temporary = directory + "/" + temporaryPrefix
            + "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

        let fd = try syscall("open", path: temporary) {
            open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        }
        do {
            try Self.writeFully(fd, bytes, path: temporary)
            try syscall("fsync", path: temporary) { fsync(fd) }
        } catch {
            _ = close(fd)
            _ = unlink(temporary)
            throw error
        }
        do {
            try closeDescriptor(fd, path: temporary)
            try syscall("rename", path: temporary) { rename(temporary, path) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        try Self.syncDirectory(directory)
    }

    /// Removes temp files left by a crash between open and rename. Call it at start, with the
    /// `StateLock` held (then no other writer can own a temp file).
    public func removeStaleTempFiles() throws(StateFileError) {
        let directory = directoryName(of: path)
        let dir: OpaquePointer
        do throws(SystemCallError) {
            dir = try systemCall("opendir") { opendir(directory) }
        } catch where error.code == ENOENT {
            return
        } catch {
            throw StateFileError(.syscall(name: "opendir", errno: error.code), path: directory)
        }
        defer { closedir(dir) }
        var stale: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(temporaryPrefix) { stale.append(name) }
        }
        for name in stale {
            let stalePath = directory + "/" + name
            try syscall("unlink", path: stalePath) { unlink(stalePath) }
        }
    }

    // MARK: - Helpers

    /// Reads the whole file, or `nil` when it does not exist.
    private func readAll() throws(StateFileError) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try syscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            if case .syscall(_, ENOENT) = error.kind { return nil }
            throw error
        }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try syscall("read", path: path) {
                chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > Self.maximumSize {
                throw StateFileError(
                    .unreadable(reason: "larger than \(Self.maximumSize) bytes, not a state file"), path: path)
            }
        }
    }

    /// `write(2)` may write fewer bytes than asked (or be interrupted): loop until all are out.
    static func writeFully(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StateFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = try syscall("write", path: path) {
                bytes.withUnsafeBytes { buffer in
                    write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                }
            }
            offset += written
        }
    }

    /// Makes the rename itself durable: without it the directory entry may still point at the
    /// old inode after a power loss.
    static func syncDirectory(_ directory: String) throws(StateFileError) {
        let fd = try syscall("open", path: directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        do {
            try syscall("fsync", path: directory) { fsync(fd) }
        } catch {
            _ = close(fd)
            throw error
        }
        try closeDescriptor(fd, path: directory)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return "not valid state JSON (\(context.debugDescription)\(Self.location(context)))"
        case DecodingError.keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\"\(Self.location(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.debugDescription)\(Self.location(context))"
        default:
            return "not valid state JSON (\(error))"
        }
    }

    private static func location(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? "" : " at \(path)"
    }
}
