@testable import Outputs
import Testing

/// The RELP frame codec (librelp doc/relp.md, "RELP FRAME"), without sockets.
struct RELPFrameTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(arguments: [
        (1, "syslog", "<134>1 hello", "1 syslog 12 <134>1 hello\n"),
        (0, "serverclose", "", "0 serverclose 0\n"),
        (999_999_999, "close", "", "999999999 close 0\n"),
        (42, "rsp", "200 OK", "42 rsp 6 200 OK\n"),
        (7, "syslog", "a\nb", "7 syslog 3 a\nb\n"),
    ])
    func encodes(txnr: Int, command: String, data: String, expected: String) {
        #expect(RELPFrame(txnr: txnr, command: command, data: Self.bytes(data)).encoded == Self.bytes(expected))
        if command == "syslog" {
            var buffer = Self.bytes("prefix")
            RELPFrame.append(txnr: txnr, command: "syslog", data: Self.bytes(data), to: &buffer)
            #expect(buffer == Self.bytes("prefix" + expected), "the hot-path encoder appends the same bytes")
        }
    }

    @Test(arguments: [
        ("1 rsp 6 200 OK\n", RELPFrame(txnr: 1, command: "rsp", data: bytes("200 OK"))),
        ("0 serverclose 0\n", RELPFrame(txnr: 0, command: "serverclose")),
        ("12 rsp 6 200 OK\n", RELPFrame(txnr: 12, command: "rsp", data: bytes("200 OK"))),
        // DATA may contain LF and SP; only DATALEN says where it ends.
        ("3 rsp 12 200 OK\nx=1 2\n", RELPFrame(txnr: 3, command: "rsp", data: bytes("200 OK\nx=1 2"))),
        ("999999999 rsp 6 500 no\n", RELPFrame(txnr: 999_999_999, command: "rsp", data: bytes("500 no"))),
    ])
    func decodesWholeFrames(wire: String, expected: RELPFrame) throws {
        var decoder = RELPFrameDecoder()
        decoder.append(Self.bytes(wire))
        #expect(try decoder.next() == expected)
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedCount == 0)
    }

    /// Every split of a stream of frames into two pieces yields the same frames: a frame is
    /// never returned before its last byte, and never lost across pieces.
    @Test func decodesFramesSplitAtEveryByte() throws {
        let wire = Self.bytes("1 rsp 53 200 OK\nrelp_version=0\nrelp_software=x\ncommands=syslog\n2 rsp 6 200 OK\n0 serverclose 0\n")
        let expected = [
            RELPFrame(txnr: 1, command: "rsp", data: Self.bytes("200 OK\nrelp_version=0\nrelp_software=x\ncommands=syslog")),
            RELPFrame(txnr: 2, command: "rsp", data: Self.bytes("200 OK")),
            RELPFrame(txnr: 0, command: "serverclose"),
        ]
        for split in 0...wire.count {
            var decoder = RELPFrameDecoder()
            var frames: [RELPFrame] = []
            decoder.append(wire[..<split])
            while let frame = try decoder.next() { frames.append(frame) }
            #expect(frames.count <= expected.count)
            decoder.append(wire[split...])
            while let frame = try decoder.next() { frames.append(frame) }
            #expect(frames == expected, "split at \(split)")
        }
    }

    @Test func decodesByteByByte() throws {
        let wire = Self.bytes("5 rsp 6 200 OK\n6 rsp 6 200 OK\n")
        var decoder = RELPFrameDecoder()
        var frames: [RELPFrame] = []
        for byte in wire {
            decoder.append([byte])
            while let frame = try decoder.next() { frames.append(frame) }
        }
        #expect(frames.map(\.txnr) == [5, 6])
    }

    @Test(arguments: [
        ("x rsp 6 200 OK\n", "TXNR expected"),
        (" 1 rsp 0\n", "TXNR expected"),
        ("1234567890 rsp 0\n", "more than 9 digits"),
        ("1\trsp 0\n", "after TXNR"),
        ("1 r2p 0\n", "in COMMAND"),
        ("1  rsp 0\n", "COMMAND expected"),
        ("1 rsp x\n", "DATALEN expected"),
        ("1 rsp 6;200 OK\n", "after DATALEN"),
        ("1 rsp 0 \n", "must be followed by LF"),
        ("1 rsp 6 200 OKX\n", "no LF after"),
        ("1 rsp 1234567890 x\n", "more than 9 digits"),
        ("1 abcdefghijklmnopqrstuvwxyzabcdefg 0\n", "longer than 32"),
        ("HTTP/1.1 400 Bad Request\r\n", "TXNR expected"),
    ])
    func rejectsGarbage(wire: String, reason: String) {
        var decoder = RELPFrameDecoder()
        decoder.append(Self.bytes(wire))
        #expect {
            _ = try decoder.next()
        } throws: { error in
            guard case .malformedFrame(let detail) = error as? RELPProtocolError else { return false }
            return detail.contains(reason)
        }
    }

    /// Garbage is refused at the first byte that proves it, not after waiting for more.
    @Test func rejectsGarbageBeforeTheFrameEnds() {
        var decoder = RELPFrameDecoder()
        decoder.append(Self.bytes("12 rs!"))
        #expect(throws: RELPProtocolError.self) { _ = try decoder.next() }
    }

    @Test func refusesTooLongFramesBeforeBufferingTheirData() throws {
        var decoder = RELPFrameDecoder(maxDataLength: 100)
        decoder.append(Self.bytes("1 rsp 100 "))
        #expect(try decoder.next() == nil, "exactly the limit is fine: waits for the data")
        var tooLong = RELPFrameDecoder(maxDataLength: 100)
        tooLong.append(Self.bytes("1 rsp 101 "))
        #expect(throws: RELPProtocolError.frameTooLong(length: 101, limit: 100)) { _ = try tooLong.next() }
    }

    @Test func partialHeaderWaitsForMore() throws {
        for partial in ["1", "12", "12 ", "12 rs", "12 rsp", "12 rsp ", "12 rsp 6", "12 rsp 6 ", "12 rsp 6 200 OK", "0 serverclose 0"] {
            var decoder = RELPFrameDecoder()
            decoder.append(Self.bytes(partial))
            #expect(try decoder.next() == nil, "'\(partial)'")
        }
    }
}
