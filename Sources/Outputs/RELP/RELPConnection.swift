import Curl

/// One RELP session over a byte stream (plain TCP or TLS): one thread writes the frames the
/// session produced and reads the responses, both without blocking, and waits on the socket
/// only when neither made progress.
///
/// Not thread-safe: confined to its output's queue.
final class RELPConnection {
    enum Failure: Error {
        case io(CurlError)
        case protocolError(RELPProtocolError)
        /// EOF or reset from the receiver.
        case peerClosed
        /// The receiver sent `serverclose`.
        case serverClosed
        /// No response and no write progress for the session timeout.
        case timedOut
    }

    private let stream: CurlStream
    private(set) var session: RELPSession
    private var decoder = RELPFrameDecoder()
    /// Frames produced, written from `outOffset` on. Not modified until fully written: a TLS
    /// write that would block must be retried with the same buffer.
    private var out: [UInt8] = []
    private var outOffset = 0
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(stream: CurlStream, session: RELPSession) {
        self.stream = stream
        self.session = session
    }

    var hasPendingOutput: Bool { outOffset < out.count }

    /// Lets `body` append frames when everything before was written; returns false otherwise.
    @discardableResult
    func stage(_ body: (inout RELPSession, inout [UInt8]) -> Void) -> Bool {
        guard !hasPendingOutput else { return false }
        out.removeAll(keepingCapacity: true)
        outOffset = 0
        body(&session, &out)
        if out.capacity > SendBuffer.retainLimit && out.isEmpty { out = [] }
        return true
    }

    /// Writes what the socket takes, reads and handles what arrived, and when neither moved
    /// waits up to `wait` for the socket. Returns whether bytes moved either way.
    func step(wait: Duration, onEvent: (RELPSession.Event) throws(Failure) -> Void) throws(Failure) -> Bool {
        var progressed = try write()
        progressed = try read(onEvent: onEvent) || progressed
        if !progressed, wait > .zero {
            do throws(CurlError) {
                _ = try stream.wait(writable: hasPendingOutput, timeout: wait)
            } catch {
                throw .io(error)
            }
        }
        return progressed
    }

    /// Steps until `done` holds, failing after `timeout` without progress.
    func run(timeout: Duration, until done: () -> Bool,
             onEvent: (RELPSession.Event) throws(Failure) -> Void) throws(Failure) {
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: timeout)
        while !done() {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut }
            if try step(wait: min(remaining, .milliseconds(500)), onEvent: onEvent) {
                deadline = clock.now.advanced(by: timeout)
            }
        }
    }

    func close() { stream.close() }

    private func write() throws(Failure) -> Bool {
        guard hasPendingOutput else { return false }
        let sent: Int
        do throws(CurlError) {
            let result: Result<Int, CurlError> = out[outOffset...].withUnsafeBytes { bytes in
                Result { () throws(CurlError) in try stream.sendAvailable(bytes) }
            }
            sent = try result.get()
        } catch {
            throw .io(error)
        }
        outOffset += sent
        return sent > 0
    }

    private func read(onEvent: (RELPSession.Event) throws(Failure) -> Void) throws(Failure) -> Bool {
        var progressed = false
        var peerClosed = false
        // Until the stream has nothing more: TLS may hold decrypted bytes the socket no
        // longer shows as readable.
        reading: while true {
            let result: CurlStream.ReceiveResult
            do throws(CurlError) {
                let received: Result<CurlStream.ReceiveResult, CurlError> = readBuffer.withUnsafeMutableBytes { buffer in
                    Result { () throws(CurlError) in try stream.receiveAvailable(into: buffer) }
                }
                result = try received.get()
            } catch {
                throw .io(error)
            }
            switch result {
            case .received(let count):
                progressed = true
                decoder.append(readBuffer[..<count])
            case .wouldBlock:
                break reading
            case .closed:
                peerClosed = true
                break reading
            }
        }
        // Responses that arrived before an EOF still count.
        while true {
            let frame: RELPFrame?
            let event: RELPSession.Event?
            do throws(RELPProtocolError) {
                frame = try decoder.next()
                guard let frame else { break }
                event = try session.receive(frame)
            } catch {
                session.abandon()
                throw .protocolError(error)
            }
            if let event { try onEvent(event) }
        }
        if peerClosed {
            session.abandon()
            throw .peerClosed
        }
        return progressed
    }
}

@available(*, unavailable)
extension RELPConnection: Sendable {}
