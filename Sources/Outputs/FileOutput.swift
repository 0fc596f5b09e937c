import Formats

/// `file:///path`: appends LF-terminated messages, for collectors that tail files.
///
/// No fsync per batch: "delivered" means handed to the kernel, like a socket write; a power
/// loss can lose the last seconds, which the at-least-once checkpoint then replays only if
/// it was not persisted yet. `reopen()` closes and re-opens the path (logrotate + SIGHUP).
///
/// Mutable state lives only on `queue`, hence `@unchecked Sendable`.
final class FileOutput: Output, @unchecked Sendable {
    let name: String
    let url: String
    let path: String
    let cap: MessageCap
    let queue: BlockingQueue
    /// Queue-confined; -1 when closed.
    private var fd: Int32 = -1
    /// Queue-confined.
    private var sendBuffer = SendBuffer()

    init(config: OutputConfig, path: String) {
        name = config.name
        url = config.url
        self.path = path
        cap = MessageCap(limit: config.maxMessageBytes)
        queue = BlockingQueue(label: "mdca-forwarder.output.\(config.name)")
    }

    deinit { if fd >= 0 { Descriptor.close(fd) } }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        guard !messages.isEmpty else { return }
        try await queue.run { [self] () throws(OutputError) in
            try deliverOnQueue(messages)
        }
    }

    private func deliverOnQueue(_ messages: MessageBatch) throws(OutputError) {
        sendBuffer.frame(messages, framing: .lf, cap: cap)
        defer { sendBuffer.trim() }
        do throws(SystemCallError) {
            if fd < 0 { fd = try Descriptor.openAppend(path) }
            let target = fd
            try withBytes(sendBuffer.bytes[...]) { (bytes) throws(SystemCallError) in try Descriptor.writeAll(target, bytes) }
        } catch {
            if fd >= 0 { Descriptor.close(fd); fd = -1 }
            throw OutputError(kind: .file, output: name, url: url, operation: "\(error.call) \(path)", reason: error.text)
        }
    }

    func probe() async throws(OutputError) {
        try await queue.run { [self] () throws(OutputError) in
            do throws(SystemCallError) {
                if fd < 0 { fd = try Descriptor.openAppend(path) }
            } catch {
                throw OutputError(kind: .file, output: name, url: url, operation: "\(error.call) \(path)", reason: error.text)
            }
        }
    }

    func reopen() async {
        // Closing is enough: the next deliver opens the path again (a new file after a rename).
        await queue.run { [self] in
            if fd >= 0 { Descriptor.close(fd); fd = -1 }
        }
    }

    func shutdown() async { await reopen() }
}

/// `stdout:`: LF-terminated messages on standard output (demo, debugging).
///
/// Mutable state lives only on `queue`, hence `@unchecked Sendable`.
final class StdoutOutput: Output, @unchecked Sendable {
    let name: String
    let url: String
    let cap: MessageCap
    let queue: BlockingQueue
    /// Queue-confined.
    private var sendBuffer = SendBuffer()

    init(config: OutputConfig) {
        name = config.name
        url = config.url
        cap = MessageCap(limit: config.maxMessageBytes)
        queue = BlockingQueue(label: "mdca-forwarder.output.\(config.name)")
    }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        guard !messages.isEmpty else { return }
        try await queue.run { [self] () throws(OutputError) in
            sendBuffer.frame(messages, framing: .lf, cap: cap)
            defer { sendBuffer.trim() }
            do throws(SystemCallError) {
                try withBytes(sendBuffer.bytes[...]) { (raw) throws(SystemCallError) in try Descriptor.writeAll(1, raw) }
            } catch {
                throw OutputError(kind: .file, output: name, url: url, operation: "\(error.call) stdout", reason: error.text)
            }
        }
    }

    func probe() async throws(OutputError) {}

    func reopen() async {}
    func shutdown() async {}
}
