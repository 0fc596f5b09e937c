#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a secret from a file (a token, a client secret, a SASL password; PRODUCT §6): the one
/// check every secret file gets, whoever needs the secret (the API client, the Kafka output).
///
/// The file must not be group- or world-readable, must hold at most 64 KiB of UTF-8, and one
/// trailing newline (as `echo` or an editor writes it, CRLF included) is removed. What the
/// text may contain is the caller's rule (an HTTP header forbids more than a SASL field).
public enum SecretFile {
    /// Why the file cannot give a secret; names the path, never the content.
    public struct Failure: ClassifiedError, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        /// A secret file that cannot be read, is empty or is over-shared stays so until an
        /// operator fixes it.
        public var failureKind: FailureKind { .configuration }
    }

    static let maximumBytes = 64 * 1024

    public static func load(_ path: String) throws(Failure) -> String {
        let fd: Int32
        do {
            fd = try systemCall("open") { open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            throw Failure(description: "cannot open secret file \(path): \(error.text)")
        }
        defer { closeQuietly(fd) }
        var info = stat()
        do {
            try systemCall("fstat") { fstat(fd, &info) }
        } catch {
            throw Failure(description: "cannot stat secret file \(path): \(error.text)")
        }
        let mode = Int(info.st_mode) & 0o777
        if mode & 0o077 != 0 {
            let octal = String(mode, radix: 8)
            throw Failure(description: "secret file \(path) has mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal) and is readable by other users; run `chmod 600 \(path)`")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n: Int
            do {
                n = try systemCall("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                throw Failure(description: "cannot read secret file \(path): \(error.text)")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumBytes {
                throw Failure(description: "secret file \(path) is larger than 64 KiB; it must hold only the secret")
            }
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else {
            throw Failure(description: "secret file \(path) is empty; it must hold the secret")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(description: "secret file \(path) is not valid UTF-8; it must hold only the secret")
        }
        return text
    }
}
