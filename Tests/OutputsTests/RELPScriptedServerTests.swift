import Foundation
@testable import Outputs
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A RELP server on 127.0.0.1 whose answers a test scripts: what the relp:// output does with
/// a `500`, a `serverclose`, a response out of order, and what it sends again afterwards.
final class ScriptedRELPServer: @unchecked Sendable {
    enum Answer {
        case ok
        case refuse
        /// Sends `0 serverclose 0` and closes the connection.
        case serverClose
        /// Answers with the wrong transaction number.
        case outOfOrder
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    /// Per connection, the syslog messages received, in order.
    private var sessions: [[String]] = []
    /// Decides the answer to each syslog message: (session index, message).
    private let script: @Sendable (Int, String) -> Answer

    init(script: @escaping @Sendable (Int, String) -> Answer) throws {
        self.script = script
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var received: [[String]] { lock.withLock { sessions } }
    /// The sessions (indexes) that ended with a `close` command.
    var closed: [Int] { lock.withLock { closedSessions } }
    private var closedSessions: [Int] = []

    /// Wakes the accept loop, which closes the listener itself: closing it here would free its
    /// descriptor number while that thread may still call accept with it (on the next test's
    /// listener).
    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private var stopped = false

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            if lock.withLock({ stopped }) {
                close(connection)
                return
            }
            let index = lock.withLock { sessions.append([]); return sessions.count - 1 }
            serve(connection, session: index)
            close(connection)
        }
    }

    private func send(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func serve(_ connection: Int32, session: Int) {
        var decoder = RELPFrameDecoder(maxDataLength: 1 << 20)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            decoder.append(buffer[..<count])
            while let frame = try? decoder.next() {
                switch frame.command {
                case "open":
                    let offers = "200 OK\nrelp_version=0\nrelp_software=scripted\ncommands=syslog"
                    send(connection, "\(frame.txnr) rsp \(offers.utf8.count) \(offers)\n")
                case "close":
                    lock.withLock { closedSessions.append(session) }
                    send(connection, "\(frame.txnr) rsp 6 200 OK\n")
                    return
                default:
                    let message = String(decoding: frame.data, as: UTF8.self)
                    lock.withLock { sessions[session].append(message) }
                    switch script(session, message) {
                    case .ok: send(connection, "\(frame.txnr) rsp 6 200 OK\n")
                    case .refuse: send(connection, "\(frame.txnr) rsp 9 500 error\n")
                    case .outOfOrder: send(connection, "\(frame.txnr + 1) rsp 6 200 OK\n")
                    case .serverClose:
                        send(connection, "0 serverclose 0\n")
                        return
                    }
                }
            }
        }
    }
}

@Suite(.serialized)
struct RELPScriptedServerTests {
    static let batch = MessageBatch((0..<10).map { Array("m\($0)".utf8) })
    static func output(_ server: ScriptedRELPServer) throws -> any Output {
        try makeOutput(OutputConfig(name: "relp", url: "relp://127.0.0.1:\(server.port)", relp: RELPSettings(timeout: .seconds(5))))
    }

    @Test(.timeLimit(.minutes(1)))
    func a500FailsTheBatchAndTheRetrySendsOnlyWhatWasNotAcknowledged() async throws {
        let server = try ScriptedRELPServer { session, message in session == 0 && message == "m4" ? .refuse : .ok }
        defer { server.stop() }
        let output = try Self.output(server)
        let error = await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        #expect(error?.kind == .refused)
        #expect(error?.description.contains("refused a syslog command: 500 error") == true, "\(error?.description ?? "")")
        try await output.deliver(Self.batch)
        let sessions = server.received
        #expect(sessions.count == 2)
        #expect(sessions.first?.prefix(5) == ["m0", "m1", "m2", "m3", "m4"])
        #expect(sessions.last == ["m4", "m5", "m6", "m7", "m8", "m9"], "m0…m3 were acknowledged: not sent again")
        await output.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func serverCloseFailsTheBatchAndTheRetryResumes() async throws {
        let server = try ScriptedRELPServer { session, message in session == 0 && message == "m3" ? .serverClose : .ok }
        defer { server.stop() }
        let output = try Self.output(server)
        let error = await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        #expect(error?.kind == .closed)
        #expect(error?.description.contains("serverclose") == true, "\(error?.description ?? "")")
        try await output.deliver(Self.batch)
        #expect(server.received.last == ["m3", "m4", "m5", "m6", "m7", "m8", "m9"])
        await output.shutdown()
    }

    @Test(.timeLimit(.minutes(1)))
    func aResponseOutOfOrderIsAProtocolViolation() async throws {
        let server = try ScriptedRELPServer { session, message in session == 0 && message == "m2" ? .outOfOrder : .ok }
        defer { server.stop() }
        let output = try Self.output(server)
        let error = await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        #expect(error?.kind == .protocolViolation)
        #expect(error?.description.contains("RELP answers in order") == true, "\(error?.description ?? "")")
        try await output.deliver(Self.batch)
        #expect(server.received.last == ["m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"])
    }

    /// With the last transaction number at 10, a session carries `open` (1), eight syslog
    /// commands (2…9) and `close` (10); the next session starts again at 1.
    @Test(.timeLimit(.minutes(1)))
    func sessionsEndWithCloseAtTheLastTransactionNumber() async throws {
        let server = try ScriptedRELPServer { _, _ in .ok }
        defer { server.stop() }
        let config = OutputConfig(name: "relp", url: "relp://127.0.0.1:\(server.port)")
        let output = QueueConfinedOutput(RELPOutput(config: config, host: "127.0.0.1", port: Int(server.port),
                                settings: RELPSettings(window: 4), renewalTxnr: 10))
        let batch = MessageBatch((0..<20).map { Array("m\($0)".utf8) })
        try await output.deliver(batch)
        let sessions = server.received
        #expect(sessions.map(\.count) == [8, 8, 4], "\(sessions)")
        #expect(sessions.flatMap { $0 } == (0..<20).map { "m\($0)" }, "each message once, in order")
        #expect(server.closed == [0, 1], "full sessions end with close")
        await output.shutdown()
        #expect(server.closed == [0, 1, 2], "shutdown closes the open session politely")
    }

    /// A different batch after a failure starts from its first message.
    @Test(.timeLimit(.minutes(1)))
    func aDifferentBatchAfterAFailureIsSentWhole() async throws {
        let server = try ScriptedRELPServer { session, message in session == 0 && message == "m4" ? .refuse : .ok }
        defer { server.stop() }
        let output = try Self.output(server)
        await #expect(throws: OutputError.self) { try await output.deliver(Self.batch) }
        let other = MessageBatch((0..<3).map { Array("n\($0)".utf8) })
        try await output.deliver(other)
        #expect(server.received.last == ["n0", "n1", "n2"])
    }
}
