import Foundation
import Simulator
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// PRODUCT §5 through the real binary: exit codes, messages, the config path override, the
/// effective configuration, help, `checkpoint set`, `status`, and `once` failures.
@Suite struct CLITests {
    static let simToken = "cli-sim-token"
    static var isoUTC: Regex<Substring> { /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/ }

    // MARK: invalid configuration → 78

    struct BadConfig: Sendable, CustomTestStringConvertible {
        var name: String
        /// (old, new) replacements applied to the valid YAML.
        var edits: [(String, String)]
        var keyPath: String
        var expected: String
        var tokenMode: mode_t = 0o600
        var testDescription: String { name }
    }

    static let badConfigs: [BadConfig] = [
        BadConfig(name: "unknown key with suggestion", edits: [("page_size: 500", "pagesize: 500")],
                  keyPath: "activities.pagesize", expected: "did you mean `page_size`?"),
        BadConfig(name: "wrong type", edits: [("page_size: 500", "page_size: [500]")],
                  keyPath: "activities.page_size", expected: "expected an integer in 500...5000"),
        BadConfig(name: "bad duration", edits: [("poll_interval: 1s", "poll_interval: 5w")],
                  keyPath: "activities.poll_interval", expected: "expected a duration like 60s"),
        BadConfig(name: "page_size out of range", edits: [("page_size: 500", "page_size: 10000")],
                  keyPath: "activities.page_size", expected: "in 500...5000"),
        BadConfig(name: "unknown output scheme", edits: [("url: tcp://127.0.0.1:9", "url: http://siem.example.com:80")],
                  keyPath: "outputs[0].url", expected: "unknown output scheme \"http\""),
        BadConfig(name: "plain http to a remote host", edits: [("https://contoso", "http://contoso")],
                  keyPath: "tenant.url", expected: "plain http is allowed only for loopback hosts"),
        BadConfig(name: "group-readable secret file", edits: [], keyPath: "tenant.auth.token_file",
                  expected: "is accessible by group or others (mode 0640)", tokenMode: 0o640),
        BadConfig(name: "unknown filter field with suggestion", edits: [("settle_time: 1s", "settle_time: 1s\n  filters: {servce: {eq: [11161]}}")],
                  keyPath: "activities.filters.servce", expected: "did you mean 'service'?"),
    ]

    @Test(arguments: badConfigs, ["check-config", "once", "run"])
    func badConfigurationExits78(_ c: BadConfig, command: String) async throws {
        let fixture = try CLIFixture()
        var yaml = fixture.yaml()
        for (old, new) in c.edits {
            #expect(yaml.contains(old), "edit does not apply: \(old)")
            yaml = yaml.replacingOccurrences(of: old, with: new)
        }
        try fixture.write(yaml)
        #expect(chmod(fixture.tokenPath, c.tokenMode) == 0)
        let r = try await fixture.run([command, "--config", fixture.configPath])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.contains(fixture.configPath + ":"), "names the file: \(r.stderr)")
        #expect(r.stderr.contains(": \(c.keyPath): "), "names the key path: \(r.stderr)")
        #expect(r.stderr.contains(c.expected), "says what was expected: \(r.stderr)")
        #expect(!r.stderr.contains(CLIFixture.secret) && !r.stdout.contains(CLIFixture.secret))
        #expect(fixture.state() == nil, "no state file is created for an invalid configuration")
    }

    @Test func environmentVariableOverridesTheDefaultPath() async throws {
        let good = try CLIFixture()
        try good.write(good.yaml())
        let viaEnv = try await good.run(["check-config"], environment: ["MDCA_FORWARDER_CONFIG": good.configPath])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        #expect(viaEnv.stdout.contains("# \(good.configPath): valid"))

        let bad = try CLIFixture()
        try bad.write("tenant: 3\n")
        let badEnv = try await bad.run(["check-config"], environment: ["MDCA_FORWARDER_CONFIG": bad.configPath])
        #expect(badEnv.status == 78)
        #expect(badEnv.stderr.contains(bad.configPath), "\(badEnv.stderr)")

        // --config wins over the variable.
        let both = try await good.run(["check-config", "--config", good.configPath], environment: ["MDCA_FORWARDER_CONFIG": bad.configPath])
        #expect(both.status == 0, "\(both.stderr)")
    }

    @Test func checkConfigPrintsEffectiveConfigWithoutTheSecret() async throws {
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml())
        let r = try await fixture.run(["check-config", "--config", fixture.configPath])
        #expect(r.status == 0, "\(r.stderr)")
        for line in ["token_file: \"\(fixture.tokenPath)\"", "requests_per_minute: 30", "request_timeout: 2m",
                     "initial_lookback: 2d", "checkpoint_every: 1000", "page_size: 500", "poll_interval: 1s",
                     "level: info", "framing: lf"] {
            #expect(r.stdout.contains(line), "missing `\(line)` in:\n\(r.stdout)")
        }
        #expect(!r.stdout.contains(CLIFixture.secret) && !r.stderr.contains(CLIFixture.secret), "the secret was printed")
    }

    // MARK: usage → 0 / 64

    @Test(arguments: [[], ["run"], ["once"], ["check-config"], ["test"], ["status"], ["checkpoint"], ["checkpoint", "set"], ["version"]])
    func helpWorksForEveryCommand(_ command: [String]) async throws {
        let r = try await ChildProcess.run("mdca-forwarder", command + ["--help"], timeout: .seconds(30))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("USAGE: mdca-forwarder"), "\(r.stdout)")
    }

    @Test(arguments: [["frobnicate"], ["once", "--bogus"], ["status", "--config"], ["checkpoint", "set"], ["checkpoint", "unset"]])
    func badUsageExits64(_ arguments: [String]) async throws {
        let r = try await ChildProcess.run("mdca-forwarder", arguments, timeout: .seconds(30))
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    // MARK: checkpoint set

    @Test func checkpointSetMovesTheCursor() async throws {
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml())
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let r = try await fixture.run(["checkpoint", "set", "--since", "90m", "--config", fixture.configPath])
        #expect(r.status == 0, "\(r.stderr)")
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        let cursor = try #require(fixture.cursorMs())
        #expect(cursor >= before - 5_400_000 && cursor <= after - 5_400_000)

        let iso = try await fixture.run(["checkpoint", "set", "--since", "2026-01-01T00:00:00Z", "--config", fixture.configPath])
        #expect(iso.status == 0, "\(iso.stderr)")
        #expect(fixture.cursorMs() == 1_767_225_600_000)
        #expect(iso.stdout.contains("to 2026-01-01T00:00:00.000Z"), "\(iso.stdout)")

        let garbage = try await fixture.run(["checkpoint", "set", "--since", "garbage", "--config", fixture.configPath])
        #expect(garbage.status == 64)
        #expect(garbage.stderr.contains("--since 'garbage'"), "\(garbage.stderr)")
        #expect(fixture.cursorMs() == 1_767_225_600_000, "a refused --since leaves the cursor")
    }

    @Test func checkpointSetStreamAlertsMovesTheAlertCursorsOnly() async throws {
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml())
        let activities = try await fixture.run(["checkpoint", "set", "--since", "2026-01-01T00:00:00Z", "--config", fixture.configPath])
        #expect(activities.status == 0, "\(activities.stderr)")
        let r = try await fixture.run(["checkpoint", "set", "--stream", "alerts", "--since", "2026-02-01T00:00:00Z", "--config", fixture.configPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("alert cursor moved from unset to 2026-02-01T00:00:00.000Z"), "\(r.stdout)")
        #expect(fixture.cursorMs() == 1_767_225_600_000, "the activities cursor stays")
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.statePath))) as? [String: Any])
        let alerts = try #require(state["alerts"] as? [String: Any])
        #expect(((alerts["cursor"] as? [String: Any])?["timestampMs"] as? NSNumber)?.int64Value == 1_769_904_000_000)
        #expect(((alerts["closures"] as? [String: Any])?["timestampMs"] as? NSNumber)?.int64Value == 1_769_904_000_000)
        #expect(state["version"] as? Int == 2)

        let bad = try await fixture.run(["checkpoint", "set", "--stream", "alert", "--since", "1h", "--config", fixture.configPath])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--stream 'alert': expected one of activities, alerts"), "\(bad.stderr)")
    }

    /// A cursor in the future skips every activity until then, for good: refused unless --force.
    @Test func checkpointSetInTheFutureNeedsForce() async throws {
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml())
        let past = try await fixture.run(["checkpoint", "set", "--since", "2026-01-01T00:00:00Z", "--config", fixture.configPath])
        #expect(past.status == 0, "\(past.stderr)")

        let refused = try await fixture.run(["checkpoint", "set", "--since", "9999-01-01T00:00:00Z", "--config", fixture.configPath])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--since '9999-01-01T00:00:00Z' is in the future"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(fixture.cursorMs() == 1_767_225_600_000, "a refused --since leaves the cursor")

        let forced = try await fixture.run(["checkpoint", "set", "--since", "9999-01-01T00:00:00Z", "--force", "--config", fixture.configPath])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(fixture.cursorMs() == 253_370_764_800_000)
    }

    // MARK: secrets that cannot work

    struct BadSecret: Sendable, CustomTestStringConvertible {
        var name: String
        var content: String
        var expected: String
        var testDescription: String { name }
    }

    static let badSecrets: [BadSecret] = [
        BadSecret(name: "empty file", content: "", expected: "is empty"),
        BadSecret(name: "only a newline", content: "\n", expected: "is empty"),
        BadSecret(name: "only white space", content: "  \t \n", expected: "holds only white space"),
        BadSecret(name: "two lines", content: "abc123\ndef456\n", expected: "contains a line break at character 7"),
        BadSecret(name: "carriage return inside", content: "abc\r123", expected: "contains a line break at character 4"),
        BadSecret(name: "trailing blank line", content: "abc123\n\n", expected: "contains a line break at character 7"),
        BadSecret(name: "inner space", content: "abc 123\n", expected: "contains white space at character 4"),
        BadSecret(name: "control character", content: "abc\u{1}123", expected: "contains a control character at character 4"),
    ]

    /// `check-config` and every command that reads the secret name the file, the key and the
    /// real cause (not "cannot reach the API … setup error for :").
    @Test(arguments: badSecrets, ["check-config", "once"])
    func unusableSecretFileIsAConfigError(_ c: BadSecret, command: String) async throws {
        let fixture = try CLIFixture(token: c.content)
        try fixture.write(fixture.yaml(tenantURL: "http://127.0.0.1:9"))
        let r = try await fixture.run([command, "--config", fixture.configPath])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.contains(fixture.configPath + ":"), "names the file: \(r.stderr)")
        #expect(r.stderr.contains(": tenant.auth.token_file: "), "names the key: \(r.stderr)")
        #expect(r.stderr.contains("secret file \(fixture.tokenPath) \(c.expected)"), "names the cause: \(r.stderr)")
        #expect(!r.stderr.contains("cannot reach the API"), "\(r.stderr)")
    }

    @Test func aTokenWithOneTrailingNewlineIsAccepted() async throws {
        let fixture = try CLIFixture(token: CLIFixture.secret + "\r\n")
        try fixture.write(fixture.yaml())
        let r = try await fixture.run(["check-config", "--config", fixture.configPath])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func checkpointSetIsRefusedWhileTheDaemonRuns() async throws {
        let sim = try await Self.simulator(activities: 20)
        let receiver = try LineReceiver()
        try receiver.start()
        let fixture = try CLIFixture(token: Self.simToken)
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL, outputURL: "tcp://127.0.0.1:\(receiver.port)"))
        let daemon = ChildProcess("mdca-forwarder", arguments: ["run", "--config", fixture.configPath])
        try daemon.start()
        let started = await Self.waitFor(timeout: .seconds(20)) { daemon.stderr.contains("mdca-forwarder started") }
        #expect(started, "\(daemon.stderr)")
        let cursor = fixture.cursorMs()

        let r = try await fixture.run(["checkpoint", "set", "--since", "1h", "--config", fixture.configPath])
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("another mdca-forwarder (pid \(daemon.pid)) holds"), "\(r.stderr)")
        #expect(daemon.isRunning)
        #expect(fixture.cursorMs() ?? 0 >= cursor ?? 0, "the refused command did not move the cursor back")

        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.stderr)")
        // Once the daemon is gone the same command succeeds.
        let again = try await fixture.run(["checkpoint", "set", "--since", "1h", "--config", fixture.configPath])
        #expect(again.status == 0, "\(again.stderr)")
        receiver.stop()
        await sim.stop()
    }

    // MARK: status

    @Test func statusReportsCursorLagLastPollCountAndProblem() async throws {
        let sim = try await Self.simulator(activities: 60)
        let receiver = try LineReceiver()
        try receiver.start()
        let fixture = try CLIFixture(token: Self.simToken)
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL, outputURL: "tcp://127.0.0.1:\(receiver.port)"))
        let once = try await fixture.run(["once", "--config", fixture.configPath])
        #expect(once.status == 0, "\(once.stderr)")
        // `once` exits once its writes are done, but the receiver's reader thread may not have
        // read the last lines yet: await the count the state file reports before sampling it.
        // The comparisons below still catch any difference between the two.
        let stored = (fixture.state()?["counters"] as? [String: Any])?["recordsForwarded"] as? Int ?? 0
        #expect(await receiver.waitFor(count: stored, timeout: .seconds(20)), "the receiver got \(receiver.count) of the \(stored) the state file counts")
        let forwarded = receiver.count
        #expect(forwarded > 0)

        let text = try await fixture.run(["status", "--config", fixture.configPath])
        #expect(text.status == 0, "\(text.stderr)")
        let rows = Dictionary(text.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { a, _ in a })
        #expect(rows["cursor"]?.prefixMatch(of: Self.isoUTC) != nil, "\(text.stdout)")
        #expect(rows["lag"]?.wholeMatch(of: /\d+s|\d+m\d\ds/) != nil, "\(text.stdout)")
        #expect(rows["last successful poll"]?.wholeMatch(of: Self.isoUTC) != nil, "\(text.stdout)")
        #expect(rows["records forwarded"] == "\(forwarded)", "\(text.stdout)")
        #expect(rows["current problem"] == "none", "\(text.stdout)")

        let json = try await fixture.run(["status", "--json", "--config", fixture.configPath])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["cursor"] as? String)?.wholeMatch(of: Self.isoUTC) != nil, "\(json.stdout)")
        #expect(object["cursorMs"] as? Int64 == fixture.cursorMs())
        // The lag is now − cursor (the backlog's newest record may be minutes old).
        let lag = Int(Date().timeIntervalSince1970) - Int((fixture.cursorMs() ?? 0) / 1000)
        #expect((object["lagSeconds"] as? Int).map { abs($0 - lag) <= 5 } == true, "\(json.stdout), expected about \(lag)")
        #expect((object["lastSuccessfulPoll"] as? String)?.wholeMatch(of: Self.isoUTC) != nil)
        #expect(object["recordsForwarded"] as? Int == forwarded)
        #expect(object["problem"] is NSNull)

        // An output that refuses: `once` gives up (69) and `status` names the problem.
        receiver.stop()
        await sim.addActivities(5)
        try await Task.sleep(for: .milliseconds(1200))  // past settle_time
        let failed = try await fixture.run(["once", "--config", fixture.configPath], environment: [Self.giveUp: "2s"])
        #expect(failed.status == 69, "\(failed.stderr)")
        let problem = try await fixture.run(["status", "--json", "--config", fixture.configPath])
        let failedObject = try #require(try JSONSerialization.jsonObject(with: Data(problem.stdout.utf8)) as? [String: Any])
        #expect((failedObject["problem"] as? String)?.contains("output 'rx' is unreachable after retries") == true, "\(problem.stdout)")
        #expect(failedObject["lastError"] as? String == failedObject["problem"] as? String, "\(problem.stdout)")
        await sim.stop()
    }

    // MARK: once failures

    static let giveUp = "MDCA_FORWARDER_ONCE_GIVE_UP"

    @Test func onceWithAWrongTokenExits77() async throws {
        let sim = try await Self.simulator(activities: 10)
        let fixture = try CLIFixture()  // the file holds CLIFixture.secret, not the simulator's token
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL))
        let r = try await fixture.run(["once", "--config", fixture.configPath])
        #expect(r.status == 77, "\(r.stderr)")
        #expect(r.stderr.contains("the API rejected the credentials (HTTP 401)"), "\(r.stderr)")
        #expect(r.stderr.contains(sim.baseURL), "names the URL: \(r.stderr)")
        #expect(!r.stderr.contains(CLIFixture.secret), "the token leaked")
        await sim.stop()
    }

    @Test func onceWithAnUnreachableAPIExits69() async throws {
        let port = try FreePort.tcp()  // nothing listens: connections are refused
        let fixture = try CLIFixture()
        try fixture.write(fixture.yaml(tenantURL: "http://127.0.0.1:\(port)"))
        let started = ContinuousClock.now
        let r = try await fixture.run(["once", "--config", fixture.configPath], environment: [Self.giveUp: "3s"])
        let took = ContinuousClock.now - started
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("127.0.0.1:\(port)"), "names the URL: \(r.stderr)")
        // The default bound is 10 minutes; the 3 s one must be what ended it (the margin is
        // for a loaded machine starting the process and resuming this test).
        #expect(took < .seconds(90), "took \(took) with a 3 s bound")

        // `status` tells the truth afterwards: the failure and its time are in the state file.
        let status = try await fixture.run(["status", "--json", "--config", fixture.configPath])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status.stdout)")
        let lastError = try #require(object["lastError"] as? String, "no last error after exit 69: \(status.stdout)")
        #expect(lastError.contains("cannot reach the API") && lastError.contains("127.0.0.1:\(port)"), "\(lastError)")
        #expect(object["problem"] as? String == lastError)
        let text = try await fixture.run(["status", "--config", fixture.configPath])
        #expect(text.stdout.contains("last error:") && text.stdout.contains(" at 20"), "\(text.stdout)")
    }

    @Test func onceWithTheOnlyOutputRefusingExits69() async throws {
        let sim = try await Self.simulator(activities: 10)
        let port = try FreePort.tcp()
        let fixture = try CLIFixture(token: Self.simToken)
        try fixture.write(fixture.yaml(tenantURL: sim.baseURL, outputURL: "tcp://127.0.0.1:\(port)"))
        let started = ContinuousClock.now
        let r = try await fixture.run(["once", "--config", fixture.configPath], environment: [Self.giveUp: "3s"])
        let took = ContinuousClock.now - started
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("output 'rx' is unreachable after retries"), "\(r.stderr)")
        // The default bound is 10 minutes; the 3 s one must be what ended it (the margin is
        // for a loaded machine starting the process and resuming this test).
        #expect(took < .seconds(90), "took \(took) with a 3 s bound")
        // Nothing was delivered, so the cursor is still the first start's.
        let state = try #require(fixture.state())
        #expect((state["counters"] as? [String: Any])?["recordsForwarded"] as? Int == 0)
        await sim.stop()
    }

    // MARK: Entra dry run

    /// README: `mdca-simulator --client-id … --client-secret-file …` stands in for Entra ID;
    /// that needs a plain-http loopback authority, allowed exactly as for tenant.url.
    @Test func onceWithEntraAgainstTheSimulatorOverLoopbackHTTP() async throws {
        let clientID = "11111111-2222-3333-4444-555555555555"
        var options = SimulatorOptions()
        options.port = 0
        options.activities = 25
        options.seed = 5
        options.token = nil
        options.clientID = clientID
        options.clientSecret = CLIFixture.secret
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        let receiver = try LineReceiver()
        try receiver.start()
        let fixture = try CLIFixture()   // the file holds CLIFixture.secret: the client secret
        let yaml = fixture.yaml(tenantURL: sim.baseURL, outputURL: "tcp://127.0.0.1:\(receiver.port)")
            .replacingOccurrences(of: "token_file: \(fixture.tokenPath)", with: """
            entra:
                  tenant_id: contoso.onmicrosoft.com
                  client_id: \(clientID)
                  client_secret_file: \(fixture.tokenPath)
                  authority: \(sim.baseURL)
            """)
        try fixture.write(yaml)
        let check = try await fixture.run(["check-config", "--config", fixture.configPath])
        #expect(check.status == 0, "\(check.stderr)")
        let once = try await fixture.run(["once", "--config", fixture.configPath])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(await Self.waitFor(timeout: .seconds(10)) { receiver.count == 25 }, "got \(receiver.count) of 25")
        #expect(!once.stderr.contains(CLIFixture.secret) && !check.stdout.contains(CLIFixture.secret))
        receiver.stop()
        await sim.stop()
    }

    // MARK: helpers

    static func simulator(activities: Int) async throws -> SimulatorServer {
        var options = SimulatorOptions()
        options.port = 0
        options.activities = activities
        options.seed = 3
        options.token = simToken
        let sim = SimulatorServer(options: options)
        _ = try await sim.start()
        return sim
    }

    static func waitFor(timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}
