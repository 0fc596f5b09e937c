import CSystemd
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler writing structured entries to journald with `sd_journal_sendv`.
///
/// Every entry carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, LOGGER_LABEL, CODE_FILE,
/// CODE_LINE, CODE_FUNC, ERROR (when the event has one) and one field per metadata key, named
/// by ``JournalFields/fieldName(forMetadataKey:)`` (`page.records` → `PAGE_RECORDS`), so
/// `journalctl -u mdca-forwarder PAGE_RECORDS=500` or `-o verbose` work.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let identifier: String

    /// - Parameter identifier: SYSLOG_IDENTIFIER, what `journalctl -t` filters on.
    public init(label: String, identifier: String = "mdca-forwarder", metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// True when stderr (`stderrFD`) is the journal stream systemd named in `JOURNAL_STREAM`:
    /// the documented way to decide between structured journal entries and plain lines.
    public static func isJournalStream(stderrFD: Int32 = STDERR_FILENO) -> Bool {
        JournalStream.fromEnvironment()?.matches(fileDescriptor: stderrFD) ?? false
    }

    public func log(event: LogEvent) {
        let merged = mergedMetadata(handler: metadata, provider: metadataProvider, event: event.metadata)
        let fields = JournalFields.entry(
            message: event.message.description, level: event.level, identifier: identifier, label: label,
            file: event.file, function: event.function, line: event.line, error: event.error, metadata: merged)
        let rc = Self.send(fields)
        if rc < 0 {
            // journald unreachable: keep the message as a plain line on stderr (which systemd
            // connects to the journal anyway) and say why once per message.
            var now = timespec()
            if clock_gettime(CLOCK_REALTIME, &now) != 0 { now = timespec() }
            var fallback = merged
            fallback["journal.error"] = "\(SystemdError(function: "sd_journal_sendv", context: "write an entry", errno: -rc))"
            let line = LogLineFormatter.format(
                seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec), level: event.level, label: label,
                message: event.message.description, error: event.error, metadata: fallback)
            StderrLogHandler.writeLine(line, to: STDERR_FILENO)
        }
    }

    /// Sends one entry; returns sd_journal_sendv's result (negative errno on failure).
    static func send(_ fields: [[UInt8]]) -> Int32 {
        withIOVecs(fields) { vectors in
            sd_journal_sendv(vectors.baseAddress, Int32(vectors.count))
        }
    }

    /// Calls `body` with one iovec per field. The fields are packed into one buffer so a
    /// single pointer stays valid for every iovec during the call.
    static func withIOVecs<R>(_ fields: [[UInt8]], _ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        var packed: [UInt8] = []
        packed.reserveCapacity(fields.reduce(0) { $0 + $1.count })
        var spans: [(offset: Int, count: Int)] = []
        spans.reserveCapacity(fields.count)
        for field in fields {
            spans.append((packed.count, field.count))
            packed.append(contentsOf: field)
        }
        return packed.withUnsafeMutableBytes { raw -> R in
            // An entry always has MESSAGE, so the buffer is never empty; an empty one yields
            // zero iovecs rather than a dangling pointer.
            guard let base = raw.baseAddress else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
            let vectors = spans.map { iovec(iov_base: base + $0.offset, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer(body)
        }
    }
}
