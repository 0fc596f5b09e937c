import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX

/// Non-blocking reads and writes for protocols that talk both ways at once (RELP sends
/// commands while responses come back). The caller runs its own loop: write what the
/// connection takes, read what arrived, and `wait` when neither made progress.
extension CurlStream {
    /// What a non-blocking read found.
    public enum ReceiveResult: Equatable, Sendable {
        /// This many bytes were copied into the buffer.
        case received(Int)
        /// Nothing arrived yet.
        case wouldBlock
        /// The peer closed the connection (EOF or TLS close_notify).
        case closed
    }

    /// Writes as many bytes as the connection takes without blocking; 0 when it takes none now.
    ///
    /// TLS: after a 0, retry with the same bytes at the same address (OpenSSL wants the retry of
    /// an incomplete record to see the same buffer).
    public func sendAvailable(_ bytes: UnsafeRawBufferPointer) throws(CurlError) -> Int {
        guard let easy else { throw closedError() }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        var sent = 0
        let code = curl_easy_send(easy.raw, base, bytes.count, &sent)
        if code == CURLE_AGAIN { return 0 }
        try easy.check(code, "curl_easy_send")
        return sent
    }

    /// Reads what has arrived without blocking.
    ///
    /// TLS: decrypted bytes can wait inside the TLS library while the socket shows nothing to
    /// read, so call this until `.wouldBlock` before waiting for readability.
    public func receiveAvailable(into buffer: UnsafeMutableRawBufferPointer) throws(CurlError) -> ReceiveResult {
        guard let easy else { throw closedError() }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .wouldBlock }
        var received = 0
        let code = curl_easy_recv(easy.raw, base, buffer.count, &received)
        switch code {
        case CURLE_AGAIN: return .wouldBlock
        case CURLE_OK:
            if received == 0 { return .closed }
            acknowledgeQuickly()
            return .received(received)
        default:
            try easy.check(code, "curl_easy_recv")
            return .closed
        }
    }

    /// Asks the kernel to acknowledge received segments at once rather than delaying the ACK
    /// (Linux TCP_QUICKACK, which the kernel clears again on its own, hence after every read).
    /// A request/response peer that writes small answers with Nagle's algorithm on (librelp)
    /// otherwise waits for our delayed ACK before sending its next answer.
    /// A refusal only costs latency, so it is not an error: the stream stops asking.
    private func acknowledgeQuickly() {
        #if os(Linux)
        guard quickAcknowledgements else { return }
        var on: Int32 = 1
        if setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            quickAcknowledgements = false
        }
        #endif
    }

    /// Waits until the socket is readable (or, with `writable`, writable) or `timeout` passed.
    /// Returns whether anything became ready; an error or hang-up counts as ready (the next
    /// read or write reports it).
    public func wait(writable: Bool, timeout: Duration) throws(CurlError) -> Bool {
        guard easy != nil else { throw closedError() }
        var events = Int16(POLLIN)
        if writable { events |= Int16(POLLOUT) }
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        let milliseconds = Int32(clamping: max(0, timeout.wholeMilliseconds))
        let ready: Int32
        do {
            ready = try systemCall("poll") { poll(&descriptor, 1, milliseconds) }
        } catch {
            throw CurlError(kind: .transport, code: Int32(CURLE_RECV_ERROR.rawValue),
                            message: "poll: \(error.text)", url: label)
        }
        return ready > 0
    }
}
