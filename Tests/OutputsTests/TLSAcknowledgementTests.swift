import Foundation
import Formats
@testable import Outputs
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 in front of a real TLS receiver: it passes bytes both ways (TLS
/// goes through untouched) until `stopReading()`, after which it reads nothing more from the
/// sender, whose bytes then stay unacknowledged (its receive buffer is 4 KiB).
final class StallingRelay: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var stalled = false
    private var descriptors: [Int32] = []

    init(to target: Int) throws {
        let (fd, bound) = try boundLoopbackSocket(type: Int32(SOCK_STREAM.rawValue), receiveBuffer: 4096)
        guard listen(fd, 16) == 0 else { close(fd); throw TestSocketError("listen") }
        listener = fd
        port = bound
        self.target = target
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stopReading() { lock.withLock { stalled = true } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(target).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard server >= 0, connected == 0 else { close(client); continue }
            lock.withLock { descriptors += [client, server] }
            Thread.detachNewThread { [self] in pump(from: client, to: server, stallable: true) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, stallable: false) }
        }
    }

    private func pump(from source: Int32, to sink: Int32, stallable: Bool) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            if stallable && lock.withLock({ stalled }) { return }
            var pfd = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 20) >= 0 else { return }
            if pfd.revents == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            let sent = chunk.withUnsafeBytes { send(sink, $0.baseAddress, n, Int32(MSG_NOSIGNAL)) }
            guard sent == n else { return }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        lock.withLock {
            for fd in descriptors { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
            descriptors = []
        }
    }
}

@Suite(.serialized) struct TLSAcknowledgementTests {
    /// The TLS records of a batch written into the socket are not "delivered" until the
    /// receiving host acknowledged them.
    @Test func tlsReceiverThatStopsReadingIsNotDelivered() async throws {
        let certDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: certDirectory) }
        let certificates = try TestCertificates.make(in: certDirectory, name: "server")
        let rsyslog = try await Rsyslog.start([.tls(certificates)])
        defer { rsyslog.stop() }
        let relay = try StallingRelay(to: rsyslog.port(.tls(certificates)))
        defer { relay.stop() }
        let output = try makeOutput(OutputConfig(
            name: "tls", url: "tls://127.0.0.1:\(relay.port)",
            tls: TLSSettings(caFile: certificates.caFile, serverName: "localhost"), writeTimeout: .milliseconds(500)))
        let records = e2eRecords("tls-ack", count: 5)
        try await output.deliver(encodeAll(records))          // handshake done, all acknowledged
        expectExactlyOnce(try await rsyslog.waitForLines(records.count), records)

        relay.stopReading()
        let started = ContinuousClock.now
        let error = await #expect(throws: OutputError.self) { try await output.deliver(TCPAcknowledgementTests.batch) }
        #expect(error?.kind == .write)
        #expect(error?.description.contains("not acknowledged by the receiver") == true)
        // The configured 500 ms is what fired (the error names it); the wall clock only guards
        // against a hang, since a whole test run starting at once on 2 cores can delay resuming
        // this test by tens of seconds.
        #expect(error?.description.contains("for 500 ms") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(120))
        await output.shutdown()
    }
}
