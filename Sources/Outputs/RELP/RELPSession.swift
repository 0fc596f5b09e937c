/// The client side of one RELP session, without I/O: it writes the frames to send into a
/// buffer and turns the frames received into events. The output owns the socket.
///
///     open (offers) → rsp 200 + the server's offers → syslog… (each answered by rsp 200)
///     → close → rsp 200; the server may end the session at any time with the hint
///     `0 serverclose 0`.
///
/// Not thread-safe: owned by one connection.
struct RELPSession {
    enum State: Equatable, Sendable {
        /// Nothing sent yet.
        case idle
        /// `open` sent, its response not received.
        case opening
        /// Commands may be sent.
        case open
        /// `close` sent; nothing else may follow it.
        case closing
        /// Closed by our `close`, by the server's `serverclose`, or after an error.
        case closed
    }

    /// What a response or hint meant.
    enum Event: Equatable, Sendable {
        case opened
        /// The syslog command with this tag was answered 200: the receiver has the message.
        case acknowledged(Int)
        case closed
        /// The server said it is closing the session; every waiting command is unanswered.
        case serverClosed
    }

    enum Command: Equatable {
        case open
        case syslog(Int)
        case close
    }

    /// The offers sent with `open` (librelp's own client sends these three; `relp_version=0`
    /// is the version every librelp release speaks).
    static let clientOffers = Array("relp_version=0\nrelp_software=mdca-forwarder\ncommands=syslog".utf8)

    private(set) var state: State = .idle
    private var window: RELPWindow<Command>
    /// The transaction number kept for `close` before the session is renewed (see `mustRenew`).
    let renewalTxnr: Int

    /// `renewalTxnr` is only lowered by tests (to renew after a few commands).
    init(window: Int, renewalTxnr: Int = RELPFrame.maxNumber) {
        self.window = RELPWindow(capacity: window)
        self.renewalTxnr = renewalTxnr
    }

    /// Commands sent whose response has not arrived, oldest first.
    var waiting: [Command] { window.waitingTags }
    var waitingCount: Int { window.count }
    var nextTxnr: Int { window.nextTxnr }

    /// A syslog command may be sent now.
    var canSendSyslog: Bool { state == .open && window.hasRoom && window.nextTxnr != renewalTxnr }

    /// The session reached its last transaction number and must be closed and opened again.
    ///
    /// The RELP spec wraps 999,999,999 to 1 (`RELPWindow` does), but librelp's server (rsyslog
    /// imrelp) increments its expected number to 1,000,000,000 instead (relp.h,
    /// `relpEngineNextTXNR`: `txnr > 999999999 ? 1 : txnr + 1`), which its own parser cannot
    /// read; a session that wrapped would be dropped there. So the last number goes to `close`
    /// and the next session starts again at 1.
    var mustRenew: Bool { state == .open && window.nextTxnr == renewalTxnr }

    mutating func open(into buffer: inout [UInt8]) {
        precondition(state == .idle, "open is the first command of a session")
        let txnr = window.issue(.open)
        RELPFrame.append(txnr: txnr, command: "open", data: Self.clientOffers, to: &buffer)
        state = .opening
    }

    /// Appends the syslog command for `message`. Requires `canSendSyslog`.
    mutating func syslog(_ message: some Collection<UInt8>, tag: Int, into buffer: inout [UInt8]) {
        precondition(canSendSyslog, "syslog outside the window or the open session")
        let txnr = window.issue(.syslog(tag))
        RELPFrame.append(txnr: txnr, command: "syslog", data: message, to: &buffer)
    }

    /// Appends `close`. Requires an open session with room in the window.
    mutating func close(into buffer: inout [UInt8]) {
        precondition(state == .open && window.hasRoom, "close needs an open session and a free slot")
        let txnr = window.issue(.close)
        RELPFrame.append(txnr: txnr, command: "close", data: EmptyCollection(), to: &buffer)
        state = .closing
    }

    /// Marks the session unusable (after an I/O error or a protocol error).
    mutating func abandon() { state = .closed }

    /// Interprets a frame from the server. Throws for anything that ends the session.
    mutating func receive(_ frame: RELPFrame) throws(RELPProtocolError) -> Event? {
        if frame.txnr == 0 {
            // Hints (txnr 0) need no answer; `serverclose` is the only one defined.
            guard frame.command == "serverclose" else { return nil }
            state = .closed
            return .serverClosed
        }
        guard frame.command == "rsp" else { throw .unexpectedCommand(frame.command, txnr: frame.txnr) }
        let response = try RELPResponse.parse(frame.data, txnr: frame.txnr)
        let command = try window.settle(txnr: frame.txnr)
        switch command {
        case .open:
            guard response.code == 200 else {
                state = .closed
                throw .refused(command: "open", code: response.code, text: response.text)
            }
            try Self.checkServerOffers(response.body)
            state = .open
            return .opened
        case .syslog(let tag):
            guard response.code == 200 else {
                state = .closed
                throw .refused(command: "syslog", code: response.code, text: response.text)
            }
            return .acknowledged(tag)
        case .close:
            state = .closed
            return .closed
        }
    }

    /// The server's answer to `open` must name a RELP version and enable `syslog`
    /// (doc/relp.md: a command the server's response does not include MUST NOT be used).
    static func checkServerOffers(_ body: ArraySlice<UInt8>) throws(RELPProtocolError) {
        let offers = RELPOffers.parse(body)
        guard let version = offers["relp_version"]?.first, !version.isEmpty, version.allSatisfy(\.isNumber) else {
            throw .incompatibleOffers("no relp_version offer")
        }
        guard offers["commands"]?.contains("syslog") == true else {
            throw .incompatibleOffers("the syslog command is not enabled (offers: \(offers.keys.sorted().joined(separator: ", ")))")
        }
    }
}

@available(*, unavailable)
extension RELPSession: Sendable {}

/// A `rsp` frame's data: `STATUS [SP HUMAN-TEXT] [LF DATA]`.
struct RELPResponse: Equatable {
    var code: Int
    var text: String
    var body: ArraySlice<UInt8>

    static func parse(_ data: [UInt8], txnr: Int) throws(RELPProtocolError) -> RELPResponse {
        guard data.count >= 3, data.prefix(3).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformedResponse(txnr: txnr, "no three-digit status")
        }
        let code = data.prefix(3).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let lineEnd = data.firstIndex(of: RELPFrame.lineFeed) ?? data.endIndex
        var text = data[3..<lineEnd]
        if let first = text.first {
            guard first == RELPFrame.space else { throw .malformedResponse(txnr: txnr, "status \(code) followed by a non-space") }
            text = text.dropFirst()
        }
        let body = lineEnd < data.endIndex ? data[(lineEnd + 1)...] : data[data.endIndex...]
        return RELPResponse(code: code, text: String(decoding: text, as: UTF8.self), body: body)
    }
}

/// Offers: `name=value,value` lines (doc/relp.md, "OFFERS").
enum RELPOffers {
    static func parse(_ body: ArraySlice<UInt8>) -> [String: [String]] {
        var offers: [String: [String]] = [:]
        for line in body.split(separator: RELPFrame.lineFeed) {
            let parts = line.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else { continue }
            let values = parts.count > 1
                ? parts[1].split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }
                : []
            offers[String(decoding: name, as: UTF8.self)] = values
        }
        return offers
    }
}
