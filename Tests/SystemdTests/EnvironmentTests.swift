import Logging
import Testing
@testable import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// Every test that changes the process environment lives here, run one at a time.
@Suite(.serialized)
struct EnvironmentTests {
    // MARK: Notifier

    @Test func notifierIsNilWithoutNotifySocket() throws {
        try withEnvironment(["NOTIFY_SOCKET": nil]) {
            #expect(Notifier.fromEnvironment() == nil)
        }
        try withEnvironment(["NOTIFY_SOCKET": ""]) {
            #expect(Notifier.fromEnvironment() == nil)
        }
    }

    @Test func notifierSendsEveryStateAsOneDatagram() throws {
        let socket = try FakeNotifySocket()
        try withEnvironment(["NOTIFY_SOCKET": socket.path]) {
            let notifier = try #require(Notifier.fromEnvironment())

            #expect(try notifier.ready())
            #expect(try socket.receive() == "READY=1")

            #expect(try notifier.status("cursor 2026-11-21T10:00:00Z\nlag 3s\r\n"))
            #expect(try socket.receive() == "STATUS=cursor 2026-11-21T10:00:00Z lag 3s")

            #expect(try notifier.watchdog())
            #expect(try socket.receive() == "WATCHDOG=1")

            #expect(try notifier.stopping())
            #expect(try socket.receive() == "STOPPING=1")

            let before = try Notifier.monotonicMicroseconds()
            #expect(try notifier.reloading())
            let after = try Notifier.monotonicMicroseconds()
            let lines = try socket.receive().split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let stamp = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
            #expect(stamp >= before && stamp <= after)

            #expect(socket.isEmpty())
            // unset_environment = 0: the variable survives every call.
            #expect(getenv("NOTIFY_SOCKET") != nil)
        }
    }

    @Test func notifierReturnsFalseOnceTheSocketVariableIsGone() throws {
        let socket = try FakeNotifySocket()
        let notifier = try withEnvironment(["NOTIFY_SOCKET": socket.path]) { Notifier.fromEnvironment() }
        let unwrapped = try #require(notifier)
        try withEnvironment(["NOTIFY_SOCKET": nil]) {
            let sent = try unwrapped.ready()
            #expect(sent == false)
        }
        #expect(socket.isEmpty())
    }

    @Test func notifierThrowsATypedErrorWhenNothingListens() throws {
        let socket = try FakeNotifySocket()
        let missing = socket.directory + "/nobody.sock"
        try withEnvironment(["NOTIFY_SOCKET": missing]) {
            let notifier = try #require(Notifier.fromEnvironment())
            let error = #expect(throws: SystemdError.self) { try notifier.ready() }
            #expect(error?.function == "sd_notify")
            #expect(error?.errno == ENOENT)
            #expect(error?.description.contains("READY=1") == true)
        }
    }

    // MARK: Watchdog

    @Test func watchdogPingsAtHalfOfWatchdogUsec() throws {
        try withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": String(getpid())]) {
            let config = try #require(try WatchdogConfig.fromEnvironment())
            #expect(config.timeout == .seconds(2))
            #expect(config.pingInterval == .seconds(1))
        }
        try withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": nil]) {
            let config = try WatchdogConfig.fromEnvironment()
            #expect(config?.pingInterval == .seconds(1))
        }
    }

    @Test func watchdogIsNilWhenUnsetOrMeantForAnotherProcess() throws {
        try withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
            let config = try WatchdogConfig.fromEnvironment()
            #expect(config == nil)
        }
        try withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": String(getpid() + 1)]) {
            let config = try WatchdogConfig.fromEnvironment()
            #expect(config == nil)
        }
    }

    @Test func watchdogRejectsMalformedValues() throws {
        try withEnvironment(["WATCHDOG_USEC": "two seconds", "WATCHDOG_PID": nil]) {
            let error = #expect(throws: SystemdError.self) { try WatchdogConfig.fromEnvironment() }
            #expect(error?.function == "sd_watchdog_enabled")
        }
    }

    // MARK: JOURNAL_STREAM

    @Test func journalStreamMatchesOnlyTheNamedFile() throws {
        let dir = try FakeNotifySocket()  // reused for its temp directory
        let first = open(dir.directory + "/a", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        let second = open(dir.directory + "/b", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        defer {
            close(first)
            close(second)
            unlink(dir.directory + "/a")
            unlink(dir.directory + "/b")
        }
        try #require(first >= 0 && second >= 0)
        var st = stat()
        try #require(fstat(first, &st) == 0)

        try withEnvironment(["JOURNAL_STREAM": "\(st.st_dev):\(st.st_ino)"]) {
            #expect(JournalLogHandler.isJournalStream(stderrFD: first))
            #expect(!JournalLogHandler.isJournalStream(stderrFD: second))
            #expect(!JournalLogHandler.isJournalStream(stderrFD: -1))
        }
        try withEnvironment(["JOURNAL_STREAM": "\(st.st_dev)-\(st.st_ino)"]) {
            #expect(!JournalLogHandler.isJournalStream(stderrFD: first))
        }
        try withEnvironment(["JOURNAL_STREAM": nil]) {
            #expect(!JournalLogHandler.isJournalStream(stderrFD: first))
            // Not under journald: the plain-text handler is chosen.
            #expect(SystemdLogging.makeHandler(label: "t", logLevel: .debug) is StderrLogHandler)
        }
        var stderrStat = stat()
        try #require(fstat(STDERR_FILENO, &stderrStat) == 0)
        try withEnvironment(["JOURNAL_STREAM": "\(stderrStat.st_dev):\(stderrStat.st_ino)"]) {
            let handler = SystemdLogging.makeHandler(label: "t", logLevel: .debug)
            #expect(handler is JournalLogHandler)
            #expect(handler.logLevel == .debug)
        }
    }
}
