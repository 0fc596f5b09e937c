@testable import Outputs
import Testing

/// The transaction window and the session state machine, fed frames by hand.
struct RELPSessionTests {
    static func rsp(_ txnr: Int, _ text: String) -> RELPFrame {
        RELPFrame(txnr: txnr, command: "rsp", data: Array(text.utf8))
    }

    static let serverOffers = "200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog"

    /// A session past `open`, with the frames it wrote so far.
    static func openSession(window: Int = 4, renewalTxnr: Int = RELPFrame.maxNumber) throws -> (RELPSession, [UInt8]) {
        var session = RELPSession(window: window, renewalTxnr: renewalTxnr)
        var out: [UInt8] = []
        session.open(into: &out)
        #expect(session.state == .opening)
        #expect(try session.receive(rsp(1, serverOffers)) == .opened)
        #expect(session.state == .open)
        return (session, out)
    }

    // MARK: Window

    @Test func windowIssuesIncreasingNumbersAndSettlesInOrder() throws {
        var window = RELPWindow<String>(capacity: 3)
        #expect(window.issue("a") == 1)
        #expect(window.issue("b") == 2)
        #expect(window.issue("c") == 3)
        #expect(!window.hasRoom)
        #expect(window.waitingTags == ["a", "b", "c"])
        #expect(try window.settle(txnr: 1) == "a")
        #expect(window.hasRoom)
        #expect(window.issue("d") == 4)
        #expect(try window.settle(txnr: 2) == "b")
        #expect(try window.settle(txnr: 3) == "c")
        #expect(try window.settle(txnr: 4) == "d")
        #expect(window.isEmpty)
    }

    @Test func windowWrapsFrom999999999To1() throws {
        var window = RELPWindow<Int>(capacity: 4, firstTxnr: 999_999_998)
        #expect(window.issue(0) == 999_999_998)
        #expect(window.issue(1) == 999_999_999)
        #expect(window.issue(2) == 1)
        #expect(window.issue(3) == 2)
        #expect(try window.settle(txnr: 999_999_998) == 0)
        #expect(try window.settle(txnr: 999_999_999) == 1)
        #expect(try window.settle(txnr: 1) == 2)
        #expect(try window.settle(txnr: 2) == 3)
        #expect(RELPWindow<Int>.successor(of: 999_999_999) == 1)
        #expect(RELPWindow<Int>.successor(of: 1) == 2)
    }

    @Test(arguments: [
        (2, 1 as Int?),      // out of order: 2 answered before 1
        (3, 1 as Int?),      // a number still waiting, but not the oldest
        (9, 1 as Int?),      // a number never issued
        (0, 1 as Int?),
    ])
    func windowRefusesResponsesOutOfOrderOrOutOfWindow(txnr: Int, expected: Int?) {
        var window = RELPWindow<Int>(capacity: 4)
        _ = window.issue(10)
        _ = window.issue(11)
        _ = window.issue(12)
        #expect(throws: RELPProtocolError.unexpectedResponse(txnr: txnr, expected: expected)) {
            _ = try window.settle(txnr: txnr)
        }
    }

    @Test func windowRefusesAResponseWhenNothingWaits() throws {
        var window = RELPWindow<Int>(capacity: 2)
        _ = window.issue(1)
        _ = try window.settle(txnr: 1)
        #expect(throws: RELPProtocolError.unexpectedResponse(txnr: 1, expected: nil)) { _ = try window.settle(txnr: 1) }
    }

    // MARK: Session

    @Test func openSendsTheOffersAndChecksTheServers() throws {
        var session = RELPSession(window: 4)
        var out: [UInt8] = []
        session.open(into: &out)
        let offers = "relp_version=0\nrelp_software=mdca-forwarder\ncommands=syslog"
        #expect(String(decoding: out, as: UTF8.self) == "1 open \(offers.utf8.count) \(offers)\n")
        #expect(!session.canSendSyslog, "nothing before the open response")
        #expect(try session.receive(Self.rsp(1, Self.serverOffers)) == .opened)
        #expect(session.canSendSyslog)
    }

    @Test(arguments: [
        ("200 OK\nrelp_version=0\ncommands=", "syslog command is not enabled"),
        ("200 OK\nrelp_version=0", "syslog command is not enabled"),
        ("200 OK\ncommands=syslog", "no relp_version"),
        ("200 OK", "no relp_version"),
    ])
    func openRefusesServersWithoutSyslog(response: String, reason: String) {
        var session = RELPSession(window: 4)
        var out: [UInt8] = []
        session.open(into: &out)
        #expect {
            _ = try session.receive(Self.rsp(1, response))
        } throws: { error in
            guard case .incompatibleOffers(let detail) = error as? RELPProtocolError else { return false }
            return detail.contains(reason)
        }
    }

    @Test func openRefusedWith500() {
        var session = RELPSession(window: 4)
        var out: [UInt8] = []
        session.open(into: &out)
        #expect(throws: RELPProtocolError.refused(command: "open", code: 500, text: "required command not supported by client")) {
            _ = try session.receive(Self.rsp(1, "500 required command not supported by client"))
        }
        #expect(session.state == .closed)
    }

    @Test func syslogCommandsFillTheWindowAndAcknowledgementsFreeIt() throws {
        var (session, _) = try Self.openSession(window: 3)
        var out: [UInt8] = []
        for tag in 0..<3 { session.syslog(Array("m\(tag)".utf8), tag: tag, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "2 syslog 2 m0\n3 syslog 2 m1\n4 syslog 2 m2\n")
        #expect(!session.canSendSyslog, "window of 3 is full")
        #expect(try session.receive(Self.rsp(2, "200 OK")) == .acknowledged(0))
        #expect(session.canSendSyslog)
        #expect(try session.receive(Self.rsp(3, "200 OK")) == .acknowledged(1))
        #expect(session.waiting == [.syslog(2)])
    }

    @Test func a500RefusesTheMessageAndEndsTheSession() throws {
        var (session, _) = try Self.openSession()
        var out: [UInt8] = []
        session.syslog(Array("m".utf8), tag: 0, into: &out)
        #expect(throws: RELPProtocolError.refused(command: "syslog", code: 500, text: "error")) {
            _ = try session.receive(Self.rsp(2, "500 error"))
        }
        #expect(session.state == .closed)
        #expect(!session.canSendSyslog)
    }

    @Test func aResponseOutOfOrderIsAProtocolError() throws {
        var (session, _) = try Self.openSession()
        var out: [UInt8] = []
        session.syslog(Array("a".utf8), tag: 0, into: &out)
        session.syslog(Array("b".utf8), tag: 1, into: &out)
        #expect(throws: RELPProtocolError.unexpectedResponse(txnr: 3, expected: 2)) {
            _ = try session.receive(Self.rsp(3, "200 OK"))
        }
        #expect(throws: RELPProtocolError.unexpectedResponse(txnr: 7, expected: 2)) {
            _ = try session.receive(Self.rsp(7, "200 OK"))
        }
    }

    @Test func serverCloseEndsTheSessionWithCommandsStillWaiting() throws {
        var (session, _) = try Self.openSession()
        var out: [UInt8] = []
        session.syslog(Array("a".utf8), tag: 0, into: &out)
        session.syslog(Array("b".utf8), tag: 1, into: &out)
        #expect(try session.receive(Self.rsp(2, "200 OK")) == .acknowledged(0))
        #expect(try session.receive(RELPFrame(txnr: 0, command: "serverclose")) == .serverClosed)
        #expect(session.state == .closed)
        #expect(session.waiting == [.syslog(1)], "what waits is what must be sent again")
        #expect(!session.canSendSyslog)
    }

    @Test func unknownHintsAreIgnoredAndCommandsFromTheServerRefused() throws {
        var (session, _) = try Self.openSession()
        #expect(try session.receive(RELPFrame(txnr: 0, command: "someday")) == nil)
        #expect(session.state == .open)
        #expect(throws: RELPProtocolError.unexpectedCommand("syslog", txnr: 5)) {
            _ = try session.receive(RELPFrame(txnr: 5, command: "syslog", data: Array("x".utf8)))
        }
    }

    @Test(arguments: ["", "20", "2000 OK", "abc OK"])
    func malformedResponsesAreProtocolErrors(text: String) throws {
        var (session, _) = try Self.openSession()
        var out: [UInt8] = []
        session.syslog(Array("a".utf8), tag: 0, into: &out)
        #expect(throws: RELPProtocolError.self) { _ = try session.receive(Self.rsp(2, text)) }
    }

    @Test func closeIsAnsweredAndEndsTheSession() throws {
        var (session, _) = try Self.openSession()
        var out: [UInt8] = []
        session.close(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2 close 0\n")
        #expect(session.state == .closing)
        #expect(!session.canSendSyslog)
        #expect(try session.receive(Self.rsp(2, "200 OK")) == .closed)
        #expect(session.state == .closed)
    }

    /// librelp servers cannot follow the wrap to 1 (their next expected number is
    /// 1,000,000,000): the session keeps its last number for `close` and is renewed.
    @Test func theLastTransactionNumberIsKeptForClose() throws {
        var (session, _) = try Self.openSession(window: 8, renewalTxnr: 5)
        var out: [UInt8] = []
        for tag in 0..<3 {
            #expect(session.canSendSyslog)
            session.syslog(Array("m".utf8), tag: tag, into: &out)
        }
        #expect(session.nextTxnr == 5)
        #expect(!session.canSendSyslog, "txnr 5 is kept for close")
        for txnr in 2...4 { _ = try session.receive(Self.rsp(txnr, "200 OK")) }
        #expect(session.mustRenew)
        out.removeAll()
        session.close(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "5 close 0\n")
    }
}
