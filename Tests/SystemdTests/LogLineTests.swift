import Logging
import Testing
@testable import Systemd
#if canImport(Glibc)
import Glibc
#endif

@Suite struct LogLineTests {
    @Test(arguments: [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (1_795_289_543, 123_999_999, "2026-11-21T19:32:23.123Z"),
        (951_868_799, 5_000_000, "2000-02-29T23:59:59.005Z"),
    ])
    func timestampsAreUTCWithMilliseconds(seconds: Int, nanoseconds: Int, expected: String) {
        #expect(LogLineFormatter.timestamp(seconds: seconds, nanoseconds: nanoseconds) == expected)
    }

    @Test func oneMessageIsOneLine() {
        let line = LogLineFormatter.format(
            seconds: 1_795_289_543, nanoseconds: 0, level: .warning, label: "mdca.output",
            message: "output down\nFAKE 2026-01-01 critical: injected",
            metadata: ["output": "siem", "error": "connection refused", "path": "C:\\x", "note": "a=b\r\n\"q\"",
                       "empty": "", "bell": "\u{07}\u{2028}"])
        #expect(line == #"2026-11-21T19:32:23.000Z warning mdca.output: output down\nFAKE 2026-01-01 critical: injected"#
            + #" bell=\u{7}\u{2028} empty="" error="connection refused" note="a=b\r\n\"q\"" output=siem path=C:\\x"#)
        #expect(!line.contains("\n") && !line.contains("\r"))
    }

    @Test func errorsAndOddKeysStayOnTheLine() {
        struct Failure: Error, CustomStringConvertible { var description: String { "rename failed\n(EIO)" } }
        let line = LogLineFormatter.format(
            seconds: 0, nanoseconds: 0, level: .error, label: "l", message: "m", error: Failure(),
            metadata: ["bad key=x\n": "v"])
        #expect(line == #"1970-01-01T00:00:00.000Z error l: m error="rename failed\n(EIO)" bad_key_x\n=v"#)
    }

    @Test func stderrHandlerWritesExactlyOneLinePerMessage() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var handler = StderrLogHandler(label: "test.label", fileDescriptor: fds[1])
        handler.logLevel = .debug
        handler[metadataKey: "tenant"] = "contoso"
        let logger = Logger(label: "test.label") { _ in handler }

        logger.info("first\nsecond", metadata: ["page.records": "500", "value": "x\ny"])
        logger.debug("third")
        logger.trace("not logged at debug")

        // The handler writes synchronously: both lines are in the pipe already.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        try #require(n > 0)
        let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines.last == "")
        let first = String(lines[0])
        #expect(first.hasSuffix(#" info test.label: first\nsecond page.records=500 tenant=contoso value=x\ny"#))
        #expect(first.utf8.count == 24 + #" info test.label: first\nsecond page.records=500 tenant=contoso value=x\ny"#.utf8.count)
        #expect(String(lines[1]).hasSuffix(" debug test.label: third tenant=contoso"))
    }

    @Test func statusIsAlwaysOneLine() {
        #expect(Notifier.statusMessage("cursor 10:00\nlag 3s") == "STATUS=cursor 10:00 lag 3s")
        #expect(Notifier.statusMessage("\r\n a\t\tb \n") == "STATUS= a b ")
        #expect(Notifier.statusMessage("x\u{2028}y\u{85}z") == "STATUS=x y z")
        #expect(Notifier.statusMessage("") == "STATUS=")
        #expect(Notifier.reloadingMessage(monotonicUsec: 42) == "RELOADING=1\nMONOTONIC_USEC=42")
    }

    @Test func watchdogIntervalIsHalfTheTimeout() {
        let config = WatchdogConfig(timeoutMicroseconds: 60_000_000)
        #expect(config.timeout == .seconds(60))
        #expect(config.pingInterval == .seconds(30))
    }
}
