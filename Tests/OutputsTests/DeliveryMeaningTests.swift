import Foundation
import Formats
@testable import Outputs
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §4, "what delivered means": each test pins one transport's promise with a real
/// socket or file, and was seen failing before that promise was kept.
@Suite struct UDPRefusalTests {
    /// Nothing listens on the port: the loopback host answers ICMP port unreachable, which the
    /// connected socket reports. Every record counted as sent would be a silent loss.
    @Test(arguments: [1, 3])
    func closedPortFailsWithinTwoBatches(_ perBatch: Int) async throws {
        let port = try freePort(type: Int32(SOCK_DGRAM.rawValue))
        let output = try makeOutput(OutputConfig(name: "u", url: "udp://127.0.0.1:\(port)"))
        var failure: OutputError?
        for batch in 0..<2 where failure == nil {
            do {
                try await output.deliver(messages((0..<perBatch).map { "batch \(batch) record \($0)" }))
            } catch {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error.kind == .connect)
        #expect(error.description.contains("output 'u' (udp://127.0.0.1:\(port)): send to 127.0.0.1:\(port) failed"))
        #expect(error.reason.contains("port unreachable"))

        // The receiver comes up: the same output delivers again (the core's retry).
        let receiver = try UDPReceiver(port: port)
        defer { receiver.stop() }
        try await output.deliver(messages(["back"]))
        #expect(try await eventually { receiver.received == [Array("back".utf8)] })
        await output.shutdown()
    }
}

@Suite struct FileRotationTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fileout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func contents(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// logrotate's `create` mode renames the file and creates a new one; no SIGHUP follows.
    @Test func renamedFileIsNoticedWithoutASignal() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.log").path
        let output = try makeOutput(OutputConfig(name: "f", url: "file://\(path)"))
        try await output.deliver(messages(["one"]))
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try await output.deliver(messages(["two"]))
        #expect(try contents(path + ".1") == "one\n")
        #expect(try contents(path) == "two\n")

        // logrotate created the new file itself before the next batch: it is used as is.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".2")
        try Data("created by logrotate\n".utf8).write(to: URL(fileURLWithPath: path))
        try await output.deliver(messages(["three"]))
        #expect(try contents(path + ".2") == "two\n")
        #expect(try contents(path) == "created by logrotate\nthree\n")
        await output.shutdown()
    }

    @Test func deletedFileIsRecreated() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.log").path
        let output = try makeOutput(OutputConfig(name: "f", url: "file://\(path)"))
        try await output.deliver(messages(["one"]))
        try FileManager.default.removeItem(atPath: path)
        try await output.deliver(messages(["two"]))
        #expect(try contents(path) == "two\n")
        await output.shutdown()
    }

    /// The directory is recreated (mode 0750), then the file in it.
    @Test func deletedDirectoryIsRecreated() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let subdirectory = directory.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: subdirectory, withIntermediateDirectories: true)
        let path = subdirectory.appendingPathComponent("out.log").path
        let output = try makeOutput(OutputConfig(name: "f", url: "file://\(path)"))
        try await output.deliver(messages(["one"]))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("a"))
        try await output.deliver(messages(["two"]))
        #expect(try contents(path) == "two\n")
        let mode = try FileManager.default.attributesOfItem(atPath: subdirectory.path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o007 } == 0)
        await output.shutdown()
    }

    /// A directory that cannot be recreated (here a regular file took its name) is an output
    /// error: nothing counts as delivered until the path works again.
    @Test func directoryThatCannotBeRecreatedIsAnOutputError() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let subdirectory = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: subdirectory, withIntermediateDirectories: true)
        let path = subdirectory.appendingPathComponent("out.log").path
        let output = try makeOutput(OutputConfig(name: "f", url: "file://\(path)"))
        try await output.deliver(messages(["one"]))
        try FileManager.default.removeItem(at: subdirectory)
        try Data().write(to: subdirectory)    // "logs" is now a file: mkdir and open fail
        let error = await #expect(throws: OutputError.self) { try await output.deliver(messages(["two"])) }
        #expect(error?.kind == .file)
        #expect(error?.description.contains(path) == true)

        try FileManager.default.removeItem(at: subdirectory)
        try await output.deliver(messages(["two"]))           // the core's retry of the same batch
        #expect(try contents(path) == "two\n")
        await output.shutdown()
    }
}

/// A TCP receiver whose first connection reads `readFirst` bytes and then resets (RST, as a
/// crashing process or a restarted appliance does); later connections read everything.
final class ResettingReceiver: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [[UInt8]] = []

    init(readFirst: Int) throws {
        let (fd, bound) = try boundLoopbackSocket(type: Int32(SOCK_STREAM.rawValue), receiveBuffer: 4096)
        guard listen(fd, 16) == 0 else { close(fd); throw TestSocketError("listen") }
        listener = fd
        port = bound
        Thread.detachNewThread { [self] in
            var index = 0
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                lock.withLock { connections.append([]) }
                let limit = index == 0 ? readFirst : Int.max
                let connection = index
                index += 1
                Thread.detachNewThread { [self] in read(client, connection, limit: limit) }
            }
        }
    }

    private func read(_ fd: Int32, _ index: Int, limit: Int) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while total < limit {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, limit - total), 0) }
            guard n > 0 else { close(fd); return }
            total += n
            lock.withLock { connections[index] += chunk[..<n] }
        }
        var reset = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    var received: [[UInt8]] { lock.withLock { connections } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

@Suite struct TCPAcknowledgementTests {
    /// 64 KiB fits in the sender's socket buffer, so writing it "succeeds" at once; the receiver
    /// never reads, so its host acknowledges only what fits its small buffer.
    static let batch = (0..<64).map { index in Array("record \(index) ".utf8) + [UInt8](repeating: 0x78, count: 1000) }

    @Test func receiverThatStopsReadingIsNotDelivered() async throws {
        let receiver = try TCPReceiver(reading: false, receiveBuffer: 4096)
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "stuck", url: "tcp://127.0.0.1:\(receiver.port)",
                                                 writeTimeout: .milliseconds(500)))
        let started = ContinuousClock.now
        let error = await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        #expect(error?.kind == .write)
        #expect(error?.description.contains("not acknowledged by the receiver") == true)
        // The configured 500 ms is what fired (the default is 30 s): the error names it. The
        // wall clock only guards against a hang: a loaded test run (2 cores shared with every
        // suite starting at once) can delay resuming this test by tens of seconds.
        #expect(error?.description.contains("for 500 ms") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(120))
        await output.shutdown()
    }

    @Test func resetBeforeAcknowledgementFailsAndTheBatchIsSentAgain() async throws {
        let receiver = try ResettingReceiver(readFirst: 2000)
        defer { receiver.stop() }
        let output = try makeOutput(OutputConfig(name: "reset", url: "tcp://127.0.0.1:\(receiver.port)",
                                                 writeTimeout: .seconds(5)))
        await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        try await output.deliver(Self.batch)                  // the core's retry of the same batch
        let expected: [UInt8] = Self.batch.flatMap { $0 + [UInt8(0x0A)] }
        #expect(try await eventually { receiver.received.count == 2 && receiver.received[1] == expected })
        await output.shutdown()
    }
}
