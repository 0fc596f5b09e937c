// Why not librelp: librelp (Debian librelp-dev 1.11) is the reference RELP implementation, but
// its client API cannot tell the caller when a given message was acknowledged:
// `relpCltSendSyslog` returns as soon as the frame fits into the window, responses are
// consumed inside the library, and there is no per-message callback, no flush and no count
// of unacknowledged messages (librelp.h). The checkpoint must move only after every record of
// a batch has its `rsp 200` (PRODUCT §11), so the client is written here, small and pure
// where it can be: a frame codec (RELPFrame, RELPFrameDecoder), a transaction window
// (RELPWindow), the session (RELPSession), and this output driving them over the same
// plain/TLS stream as tls:// (Curl's CurlStream).

import Curl
import Formats
import POSIX

/// `relp://host:port`: every message is a RELP `syslog` command, and `deliver` returns only
/// when every message of the batch was answered `200` by the receiver.
///
/// Up to `window` commands are in flight. A `500`, a timeout or a broken session throws; the
/// caller retries the same batch, which resumes after the messages already acknowledged (a
/// different batch starts over). So a broken session repeats at most the commands that were
/// waiting for a response: at most `window` messages.
///
/// Runs on its own queue, behind `QueueConfinedOutput`.
final class RELPOutput: QueueConfinedBody {
    let name: String
    let url: String
    let host: String
    let port: Int
    let tls: TLSSettings?
    let settings: RELPSettings
    let connectTimeout: Duration
    let cap: MessageCap
    /// The last transaction number a session uses before it is renewed; lowered by tests.
    let renewalTxnr: Int

    /// The open session, if any.
    private var connection: RELPConnection?
    /// The batch whose delivery failed and how many of its messages the
    /// receiver had acknowledged, so that the retry of the same batch skips them.
    private var unfinished: (batch: MessageBatch, acknowledged: Int)?

    init(config: OutputConfig, host: String, port: Int, settings: RELPSettings,
         renewalTxnr: Int = RELPFrame.maxNumber) {
        name = config.name
        url = config.url
        self.host = host
        self.port = port
        tls = config.tls
        self.settings = settings
        connectTimeout = config.connectTimeout
        cap = MessageCap(limit: config.maxMessageBytes)
        self.renewalTxnr = renewalTxnr
    }

    func deliver(_ messages: MessageBatch) throws(OutputError) {
        try deliverOnQueue(messages)
    }

    func probe() throws(OutputError) {
        _ = try usableConnection()
    }

    func reopen() {}

    /// Ends the session politely (`close`, then its response) when nothing is waiting.
    func shutdown() {
        if let connection { closeGracefully(connection) }
        connection = nil
    }

    private func deliverOnQueue(_ batch: MessageBatch) throws(OutputError) {
        var acknowledged = 0
        if let unfinished, unfinished.batch.ends == batch.ends, unfinished.batch.bytes == batch.bytes {
            acknowledged = unfinished.acknowledged
        }
        unfinished = nil
        do throws(OutputError) {
            try send(batch, acknowledged: &acknowledged)
        } catch {
            unfinished = (batch, acknowledged)
            connection?.close()
            connection = nil
            throw error
        }
    }

    /// Sends `batch` from `acknowledged` on until every message is acknowledged; `acknowledged`
    /// counts the messages answered so far (also when this throws).
    private func send(_ batch: MessageBatch, acknowledged: inout Int) throws(OutputError) {
        var done = acknowledged
        defer { acknowledged = done }
        var next = done
        var connection = try usableConnection()
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: settings.timeout)
        while done < batch.count {
            if connection.session.mustRenew, connection.session.waitingCount == 0 {
                closeGracefully(connection)
                self.connection = nil
                connection = try usableConnection()
                deadline = clock.now.advanced(by: settings.timeout)
            }
            // Refills the window once it is at most half full (and the previous frames are all
            // written): many frames per write and per read on both sides instead of one
            // round of system calls per acknowledgement.
            connection.stage { session, out in
                guard session.waitingCount * 2 <= settings.window else { return }
                while next < batch.count, session.canSendSyslog {
                    session.syslog(cap.bounded(batch[next]), tag: next, into: &out)
                    next += 1
                }
            }
            do throws(RELPConnection.Failure) {
                let remaining = clock.now.duration(to: deadline)
                guard remaining > .zero else { throw .timedOut }
                let progressed = try connection.step(wait: min(remaining, .milliseconds(500))) { (event) throws(RELPConnection.Failure) in
                    switch event {
                    case .acknowledged(let tag) where tag == done:
                        done += 1
                    case .serverClosed:
                        throw .serverClosed
                    default:
                        // Cannot happen while the window settles in order; refuse rather than miscount.
                        throw .protocolError(.malformedResponse(txnr: 0, "an answer that matches no waiting syslog command"))
                    }
                }
                if progressed { deadline = clock.now.advanced(by: settings.timeout) }
            } catch {
                throw outputError(error, waiting: next - done)
            }
        }
    }

    /// The open session, or a new one (connect, `open`, the server's offers checked). A session
    /// the receiver ended while idle (EOF, `serverclose`) is replaced without an error: nothing
    /// of it was waiting.
    private func usableConnection() throws(OutputError) -> RELPConnection {
        if let existing = connection {
            do throws(RELPConnection.Failure) {
                _ = try existing.step(wait: .zero) { (_) throws(RELPConnection.Failure) in throw .serverClosed }
                if existing.session.state == .open { return existing }
            } catch {}
            existing.close()
            connection = nil
        }
        let stream: CurlStream
        do throws(CurlError) {
            stream = try CurlStream(host: host, port: port, tls: tls, connectTimeout: connectTimeout)
        } catch {
            let kind: OutputError.Kind = switch error.kind {
            case .tls: .tls
            case .resolve: .resolve
            default: .connect
            }
            throw OutputError(kind: kind, output: name, url: url, operation: "\(tls == nil ? "" : "TLS ")connect to \(host):\(port)",
                              reason: error.description, failureKind: error.failureKind)
        }
        let fresh = RELPConnection(stream: stream, session: RELPSession(window: settings.window, renewalTxnr: renewalTxnr))
        fresh.stage { session, out in session.open(into: &out) }
        do throws(RELPConnection.Failure) {
            var opened = false
            try fresh.run(timeout: settings.timeout, until: { opened }) { (event) throws(RELPConnection.Failure) in
                guard event == .opened else { throw .serverClosed }
                opened = true
            }
        } catch {
            fresh.close()
            throw outputError(error, waiting: 0, operation: "RELP open with \(host):\(port)")
        }
        connection = fresh
        return fresh
    }

    /// Sends `close` and waits (briefly) for its response, then closes the stream. Only when
    /// the session is open and nothing waits: otherwise just closes.
    private func closeGracefully(_ connection: RELPConnection) {
        defer { connection.close() }
        guard connection.session.state == .open, connection.session.waitingCount == 0 else { return }
        guard connection.stage({ session, out in session.close(into: &out) }) else { return }
        do throws(RELPConnection.Failure) {
            try connection.run(timeout: min(settings.timeout, .seconds(5)), until: { connection.session.state == .closed }) { _ in }
        } catch {
            // The receiver went away while we said goodbye: nothing was waiting, nothing is lost.
        }
    }

    private func outputError(_ failure: RELPConnection.Failure, waiting: Int,
                             operation: String? = nil) -> OutputError {
        let operation = operation ?? "RELP session with \(host):\(port)"
        let unanswered = waiting == 1 ? "1 message unacknowledged" : "\(waiting) messages unacknowledged"
        return switch failure {
        case .io(let error):
            OutputError(kind: error.kind == .tls ? .tls : .write, output: name, url: url, operation: operation,
                        reason: "\(error.description); \(unanswered)", failureKind: error.failureKind)
        case .protocolError(let error):
            if case .refused = error {
                OutputError(kind: .refused, output: name, url: url, operation: operation, reason: "\(error); \(unanswered)")
            } else {
                OutputError(kind: .protocolViolation, output: name, url: url, operation: operation, reason: "\(error); \(unanswered)")
            }
        case .peerClosed:
            OutputError(kind: .closed, output: name, url: url, operation: operation,
                        reason: "the receiver closed the connection; \(unanswered)")
        case .serverClosed:
            OutputError(kind: .closed, output: name, url: url, operation: operation,
                        reason: "the receiver ended the session (serverclose); \(unanswered)")
        case .timedOut:
            OutputError(kind: .timeout, output: name, url: url, operation: operation,
                        reason: "no response for \(settings.timeout); \(unanswered)")
        }
    }
}
