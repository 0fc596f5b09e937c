import Logging
import POSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Serialises whole-line writes from every handler copy, so lines from threads never interleave.
private let lineWriteLock = Mutex<Void>(())

/// A plain-text handler for when stderr is not the journal: one line per message, formatted by
/// ``LogLineFormatter`` (`<timestamp> <level> <label>: <message> key=value ...`).
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let fileDescriptor: Int32

    /// - Parameter fileDescriptor: where lines go; stderr unless a test passes a pipe.
    public init(label: String, fileDescriptor: Int32 = STDERR_FILENO, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.fileDescriptor = fileDescriptor
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var now = timespec()
        if clock_gettime(CLOCK_REALTIME, &now) != 0 { now = timespec() }
        let line = LogLineFormatter.format(
            seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec), level: event.level, label: label,
            message: event.message.description, error: event.error,
            metadata: mergedMetadata(handler: metadata, provider: metadataProvider, event: event.metadata))
        Self.writeLine(line, to: fileDescriptor)
    }

    /// Writes `line` plus a newline, retrying short writes and EINTR. A logger has nowhere to
    /// report its own write failure, so other errors drop the line.
    static func writeLine(_ line: String, to fd: Int32) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lineWriteLock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    // The gate retries EINTR; any other failure (or no progress) drops the line.
                    guard let n = try? systemCall("write", { write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset) }),
                          n > 0 else { return }
                    offset += n
                }
            }
        }
    }
}

/// swift-log's precedence: handler metadata, overridden by the provider's, overridden by the
/// call site's.
func mergedMetadata(
    handler: Logger.Metadata, provider: Logger.MetadataProvider?, event: Logger.Metadata?
) -> Logger.Metadata {
    var merged = handler
    if let provided = provider?.get(), !provided.isEmpty {
        merged.merge(provided) { _, new in new }
    }
    if let event, !event.isEmpty {
        merged.merge(event) { _, new in new }
    }
    return merged
}
