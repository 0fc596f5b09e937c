#if canImport(Glibc)
import Glibc
#endif
import Formats
import POSIX

/// `file:///path`: appends LF-terminated messages, for collectors that tail files.
///
/// "Delivered" means written to the file that is *now* at the path (PRODUCT §4). Before each
/// batch the path's device/inode is compared with the open descriptor's: after a rename
/// (logrotate's `create` mode) or a deletion the output opens the path again, creating the
/// file (mode 0640) and, when the directory was deleted, the missing directories (mode 0750).
/// A directory that cannot be created (permissions, a read-only or missing mount, a file in the
/// way) is an output error, so the core holds the cursor and retries. After writing, the check
/// runs again: a batch that went into a file renamed meanwhile is delivered (the rotated file
/// keeps it), one that went into a deleted file is written again to the new file. SIGHUP
/// (`reopen()`) still closes and re-opens the file, for logrotate configurations whose
/// `postrotate` sends it.
///
/// No fsync per batch: like a socket write, "written" means handed to the kernel; a power
/// loss can lose the last seconds, which the at-least-once checkpoint then replays only if it
/// was not persisted yet.
///
/// Runs on its own queue, behind `QueueConfinedOutput`.
final class FileOutput: QueueConfinedBody {
    let name: String
    let url: String
    let path: String
    let cap: MessageCap
    /// -1 when closed.
    private var fd: Int32 = -1
    /// The open file's device and inode.
    private var openFile: Descriptor.FileIdentity?
    private var sendBuffer = SendBuffer()

    init(config: OutputConfig, path: String) {
        name = config.name
        url = config.url
        self.path = path
        cap = MessageCap(limit: config.maxMessageBytes)
    }

    deinit { if fd >= 0 { Descriptor.close(fd) } }

    func deliver(_ messages: MessageBatch) throws(OutputError) {
        try deliverOnQueue(messages)
    }

    private func deliverOnQueue(_ messages: MessageBatch) throws(OutputError) {
        sendBuffer.frame(messages, framing: .lf, cap: cap)
        defer { sendBuffer.trim() }
        do throws(SystemCallError) {
            // A second deletion while writing the same batch again is someone deleting the
            // file as fast as it appears: an error rather than a loop.
            for _ in 0..<2 {
                try openCurrentFile()
                let target = fd
                try withBytes(sendBuffer.bytes[...]) { (bytes) throws(SystemCallError) in try Descriptor.writeAll(target, bytes) }
                if try Descriptor.identity(ofPath: path) == openFile { return }
                // The path moved away while the batch was written.
                let stillLinked = try Descriptor.linkCount(target) > 0
                closeFile()
                if stillLinked { return }   // renamed: the rotated file holds the batch
            }
            throw SystemCallError(call: "write \(path) (the file was deleted while being written, twice)", code: ENOENT)
        } catch {
            closeFile()
            throw failure(error)
        }
    }

    private func failure(_ error: SystemCallError) -> OutputError {
        OutputError(kind: .file, output: name, url: url,
                    operation: error.call.contains(path) ? error.call : "\(error.call) \(path)", reason: error.text)
    }

    /// Makes `fd` the file now at `path`: keeps it when the path still names it, else opens
    /// the path, creating the file and its missing directories.
    private func openCurrentFile() throws(SystemCallError) {
        if fd >= 0 {
            if try Descriptor.identity(ofPath: path) == openFile { return }
            closeFile()
        }
        let opened: Int32
        do throws(SystemCallError) {
            opened = try Descriptor.openAppend(path)
        } catch where error.code == ENOENT {
            let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            try Descriptor.makeDirectories(directory.isEmpty ? "/" : directory)
            opened = try Descriptor.openAppend(path)
        }
        fd = opened
        do throws(SystemCallError) {
            openFile = try Descriptor.identity(of: opened)
        } catch {
            closeFile()
            throw error
        }
    }

    private func closeFile() {
        if fd >= 0 { Descriptor.close(fd) }
        fd = -1
        openFile = nil
    }

    func probe() throws(OutputError) {
        do throws(SystemCallError) {
            try openCurrentFile()
        } catch {
            throw failure(error)
        }
    }

    func reopen() {
        // Closing is enough: the next deliver opens the path again.
        closeFile()
    }

    func shutdown() { reopen() }
}

/// `stdout:`: LF-terminated messages on standard output (demo, debugging).
///
/// Runs on its own queue, behind `QueueConfinedOutput`.
final class StdoutOutput: QueueConfinedBody {
    let name: String
    let url: String
    let cap: MessageCap
    private var sendBuffer = SendBuffer()

    init(config: OutputConfig) {
        name = config.name
        url = config.url
        cap = MessageCap(limit: config.maxMessageBytes)
    }

    func deliver(_ messages: MessageBatch) throws(OutputError) {
        sendBuffer.frame(messages, framing: .lf, cap: cap)
        defer { sendBuffer.trim() }
        do throws(SystemCallError) {
            try withBytes(sendBuffer.bytes[...]) { (raw) throws(SystemCallError) in try Descriptor.writeAll(1, raw) }
        } catch {
            throw OutputError(kind: .file, output: name, url: url, operation: "\(error.call) stdout", reason: error.text)
        }
    }

    func probe() throws(OutputError) {}

    func reopen() {}
    func shutdown() {}
}
