/// What went wrong in a RELP session. Every case ends the session (RELP has no in-band
/// recovery: "the peer that detects the problem closes the underlying connection").
enum RELPProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes that are not a RELP frame.
    case malformedFrame(String)
    /// A frame announcing more data than the client accepts from the server.
    case frameTooLong(length: Int, limit: Int)
    /// A response whose transaction number is not the oldest command still waiting (RELP
    /// servers answer in order) or that no command is waiting for.
    case unexpectedResponse(txnr: Int, expected: Int?)
    /// The server answered a command with an error (`rsp 500 …`).
    case refused(command: String, code: Int, text: String)
    /// A response that does not start with a three-digit status.
    case malformedResponse(txnr: Int, String)
    /// The server's answer to `open` lacks something the session needs.
    case incompatibleOffers(String)
    /// The server sent a command a client never receives.
    case unexpectedCommand(String, txnr: Int)

    var description: String {
        switch self {
        case .malformedFrame(let detail):
            "malformed RELP frame from the receiver: \(detail)"
        case .frameTooLong(let length, let limit):
            "the receiver announced a \(length)-byte RELP frame; responses are at most \(limit) bytes"
        case .unexpectedResponse(let txnr, let expected):
            if let expected {
                "response for transaction \(txnr) while transaction \(expected) is the oldest waiting (RELP answers in order)"
            } else {
                "response for transaction \(txnr) while no command is waiting"
            }
        case .refused(let command, let code, let text):
            "the receiver refused a \(command) command: \(code) \(text)"
        case .malformedResponse(let txnr, let detail):
            "malformed response for transaction \(txnr): \(detail)"
        case .incompatibleOffers(let detail):
            "the receiver's open response is not usable: \(detail)"
        case .unexpectedCommand(let command, let txnr):
            "unexpected command '\(command)' (transaction \(txnr)) from the receiver"
        }
    }
}
