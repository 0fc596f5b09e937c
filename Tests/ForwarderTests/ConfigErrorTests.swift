@testable import Forwarder
import Foundation
import Testing

/// Every invalid configuration is refused with exit code 78 and a message that names the
/// file, the key path and what was expected.
@Suite struct ConfigErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var keyPath: String
        var expected: String
        var environment: [String: String] = [:]
        var testDescription: String { name }
    }

    static let m = ConfigFixture.minimal

    static let cases: [Case] = [
        Case(name: "typo suggestion", yaml: m("", "pagesize: 1000", "", ""),
             keyPath: "activities.pagesize", expected: "unknown key; did you mean `page_size`?"),
        Case(name: "unknown top-level key", yaml: m("", nil, "", "extra: 1\n"),
             keyPath: "extra", expected: "Valid keys here: tenant, activities, alerts, state, outputs, log"),
        Case(name: "unknown output key", yaml: m("", nil, "framming: lf", ""),
             keyPath: "outputs[0].framming", expected: "did you mean `framing`?"),
        Case(name: "duplicate key", yaml: m("", "page_size: 500\npage_size: 600", "", ""),
             keyPath: "page_size", expected: "duplicate key"),
        Case(name: "section of wrong type", yaml: m("", nil, "", "log: verbose\n"),
             keyPath: "log", expected: "expected a mapping with keys level, got the string \"verbose\""),
        Case(name: "quoted number", yaml: m("", "page_size: \"5000\"", "", ""),
             keyPath: "activities.page_size", expected: "expected an integer in 500...5000"),
        Case(name: "page size too large", yaml: m("", "page_size: 10000", "", ""),
             keyPath: "activities.page_size", expected: "in 500...5000 (the Activities API's scan limit), got 10000"),
        Case(name: "page size too small", yaml: m("", "page_size: 100", "", ""),
             keyPath: "activities.page_size", expected: "got 100"),
        Case(name: "requests per minute above service limit", yaml: m("requests_per_minute: 60", nil, "", ""),
             keyPath: "tenant.requests_per_minute", expected: "in 1...30 (the service throttles at 30 requests per minute"),
        Case(name: "checkpoint_every zero", yaml: m("", "checkpoint_every: 0", "", ""),
             keyPath: "activities.checkpoint_every", expected: "an integer at least 1"),
        Case(name: "bare number duration", yaml: m("", "poll_interval: 60", "", ""),
             keyPath: "activities.poll_interval", expected: "got the bare number 60 (add a unit, e.g. 60s)"),
        Case(name: "bad duration unit", yaml: m("", "settle_time: 5w", "", ""),
             keyPath: "activities.settle_time", expected: "expected a duration like 60s"),
        Case(name: "zero duration", yaml: m("request_timeout: 0s", nil, "", ""),
             keyPath: "tenant.request_timeout", expected: "expected a positive duration"),
        Case(name: "udp message too large", yaml: m("", nil, "", "  - {name: u, url: \"udp://h:514\", max_message_bytes: 65535}\n"),
             keyPath: "outputs[1].max_message_bytes", expected: "in 480...65507"),
        Case(name: "stream message too large", yaml: m("", nil, "max_message_bytes: 2000000", ""),
             keyPath: "outputs[0].max_message_bytes", expected: "in 480...1048576"),
        Case(name: "ftp tenant url", yaml: m("", nil, "", "").replacingOccurrences(of: "https://contoso", with: "ftp://contoso"),
             keyPath: "tenant.url", expected: "expected an https URL"),
        Case(name: "http to a remote host", yaml: m("", nil, "", "").replacingOccurrences(of: "https://", with: "http://"),
             keyPath: "tenant.url", expected: "plain http is allowed only for loopback hosts"),
        Case(name: "credentials in the url", yaml: m("", nil, "", "").replacingOccurrences(of: "https://", with: "https://u:p@"),
             keyPath: "tenant.url", expected: "must not contain credentials"),
        Case(name: "unknown output scheme", yaml: m("", nil, "", "  - {name: x, url: \"http://siem:80\"}\n"),
             keyPath: "outputs[1].url", expected: "unknown output scheme \"http\"; expected udp://host:port"),
        Case(name: "output without port", yaml: m("", nil, "", "  - {name: x, url: \"tcp://siem\"}\n"),
             keyPath: "outputs[1].url", expected: "port in 1...65535"),
        Case(name: "file output with relative path", yaml: m("", nil, "", "  - {name: x, url: \"file://log.txt\"}\n"),
             keyPath: "outputs[1].url", expected: "expected file:///absolute/path"),
        Case(name: "duplicate output names", yaml: m("", nil, "", "  - {name: siem, url: \"stdout:\"}\n"),
             keyPath: "outputs[1].name", expected: "duplicate output name \"siem\" (also used by outputs[0])"),
        Case(name: "framing on udp", yaml: m("", nil, "", "  - {name: u, url: \"udp://h:514\", framing: lf}\n"),
             keyPath: "outputs[1].framing", expected: "framing applies to tcp:// and tls:// outputs only"),
        Case(name: "bad framing", yaml: m("", nil, "framing: octet", ""),
             keyPath: "outputs[0].framing", expected: "expected one of lf, octet-counting"),
        Case(name: "tls block on tcp", yaml: m("", nil, "tls: {server_name: x}", ""),
             keyPath: "outputs[0].tls", expected: "a tls block applies to tls:// and relp:// outputs only"),
        Case(name: "relp block on tcp", yaml: m("", nil, "relp: {window: 10}", ""),
             keyPath: "outputs[0].relp", expected: "a relp block applies to relp:// outputs only (this one is tcp)"),
        Case(name: "unknown relp key", yaml: m("", nil, "", "  - {name: r, url: \"relp://h:2514\", relp: {windw: 10}}\n"),
             keyPath: "outputs[1].relp.windw", expected: "did you mean `window`?"),
        Case(name: "relp window too large", yaml: m("", nil, "", "  - {name: r, url: \"relp://h:2514\", relp: {window: 5000}}\n"),
             keyPath: "outputs[1].relp.window", expected: "in 1...1024"),
        Case(name: "relp window zero", yaml: m("", nil, "", "  - {name: r, url: \"relp://h:2514\", relp: {window: 0}}\n"),
             keyPath: "outputs[1].relp.window", expected: "in 1...1024"),
        Case(name: "relp bare timeout", yaml: m("", nil, "", "  - {name: r, url: \"relp://h:2514\", relp: {timeout: 30}}\n"),
             keyPath: "outputs[1].relp.timeout", expected: "add a unit"),
        Case(name: "relp without port", yaml: m("", nil, "", "  - {name: r, url: \"relp://h\"}\n"),
             keyPath: "outputs[1].url", expected: "expected relp://host:port with a port in 1...65535"),
        Case(name: "framing on relp", yaml: m("", nil, "", "  - {name: r, url: \"relp://h:2514\", framing: lf}\n"),
             keyPath: "outputs[1].framing", expected: "(this one is relp)"),
        Case(name: "bad format", yaml: m("", nil, "format: leef", ""),
             keyPath: "outputs[0].format", expected: "expected one of cef, json, got \"leef\""),
        Case(name: "bad facility", yaml: m("", nil, "facility: local9", ""),
             keyPath: "outputs[0].facility", expected: "did you mean `local0`?"),
        Case(name: "bad log level", yaml: m("", nil, "", "log: {level: verbose}\n"),
             keyPath: "log.level", expected: "expected one of trace, debug, info, notice, warning, error, critical"),
        Case(name: "no outputs", yaml: m("", nil, "", "").replacingOccurrences(of: "  - name: siem\n    url: tcp://siem.example.com:514\n", with: "  []\n"),
             keyPath: "outputs", expected: "expected at least one output"),
        Case(name: "missing tenant url", yaml: m("", nil, "", "").replacingOccurrences(of: "  url: https://contoso.eu2.portal.cloudappsecurity.com\n", with: ""),
             keyPath: "tenant.url", expected: "missing; expected the portal URL"),
        Case(name: "two auth methods", yaml: m("", nil, "", "").replacingOccurrences(of: "    token_file: TOKEN\n", with: "    token_file: TOKEN\n    token_env: T\n"),
             keyPath: "tenant.auth", expected: "expected exactly one of token_file, token_env, entra; got token_file and token_env",
             environment: ["T": "x"]),
        Case(name: "no auth method", yaml: m("", nil, "", "").replacingOccurrences(of: "    token_file: TOKEN\n", with: "    {}\n"),
             keyPath: "tenant.auth", expected: "got none"),
        Case(name: "token env unset", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN", with: "token_env: MDCA_API_KEY"),
             keyPath: "tenant.auth.token_env", expected: "the environment variable MDCA_API_KEY is not set or empty"),
        Case(name: "missing token file", yaml: m("", nil, "", "").replacingOccurrences(of: "TOKEN", with: "DIR/nope"),
             keyPath: "tenant.auth.token_file", expected: "No such file or directory"),
        Case(name: "entra without secret", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN",
             with: "entra: {tenant_id: contoso.onmicrosoft.com, client_id: 11111111-2222-3333-4444-555555555555}"),
             keyPath: "tenant.auth.entra", expected: "expected exactly one of client_secret_file, client_secret_env; got none"),
        Case(name: "entra with bad client id", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN",
             with: "entra: {tenant_id: t, client_id: nope, client_secret_file: TOKEN}"),
             keyPath: "tenant.auth.entra.client_id", expected: "a GUID"),
        Case(name: "entra http authority", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN",
             with: "entra: {tenant_id: t, client_id: 11111111-2222-3333-4444-555555555555, client_secret_file: TOKEN, authority: \"http://login\"}"),
             keyPath: "tenant.auth.entra.authority", expected: "plain http is allowed only for loopback hosts"),
        Case(name: "entra http authority on a remote host", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN",
             with: "entra: {tenant_id: t, client_id: 11111111-2222-3333-4444-555555555555, client_secret_file: TOKEN, authority: \"http://example.com\"}"),
             keyPath: "tenant.auth.entra.authority", expected: "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost), got host example.com"),
        Case(name: "entra ftp authority", yaml: m("", nil, "", "").replacingOccurrences(of: "token_file: TOKEN",
             with: "entra: {tenant_id: t, client_id: 11111111-2222-3333-4444-555555555555, client_secret_file: TOKEN, authority: \"ftp://127.0.0.1\"}"),
             keyPath: "tenant.auth.entra.authority", expected: "expected an https URL (http only for loopback hosts), got scheme ftp"),
        Case(name: "relative state path", yaml: m("", nil, "", "state: {path: state.json}\n"),
             keyPath: "state.path", expected: "expected an absolute path"),
        Case(name: "filters not a mapping", yaml: m("", "filters: [1]", "", ""),
             keyPath: "activities.filters", expected: "expected a mapping of field: {operator: value}"),
        Case(name: "filter with unknown operator", yaml: m("", "filters: {service: {equals: [1]}}", "", ""),
             keyPath: "activities.filters.service.equals", expected: "operator 'equals' is not supported by 'service' (integer); expected one of eq, neq"),
        Case(name: "created filter owned by the cursor", yaml: m("", "filters: {created: {gte: 1}}", "", ""),
             keyPath: "activities.filters.created", expected: "the 'created' filter is managed by the forwarder"),
        Case(name: "unknown alerts key", yaml: m("", nil, "", "alerts:\n  enable: true\n"),
             keyPath: "alerts.enable", expected: "unknown key; did you mean `enabled`?"),
        Case(name: "alerts.enabled not a boolean", yaml: m("", nil, "", "alerts:\n  enabled: yes\n"),
             keyPath: "alerts.enabled", expected: "expected true or false, got \"yes\""),
        Case(name: "alert filter typo", yaml: m("", nil, "", "alerts:\n  filters: {severty: {eq: [2]}}\n"),
             keyPath: "alerts.filters.severty", expected: "unknown filter field 'severty'; did you mean 'severity'?"),
        Case(name: "alert filter checked against the alert table", yaml: m("", nil, "", "alerts:\n  filters: {service: {eq: [11161]}}\n"),
             keyPath: "alerts.filters.service", expected: "unknown filter field 'service'"),
        Case(name: "alert date filter owned by the cursor", yaml: m("", nil, "", "alerts:\n  filters: {date: {gte: 1}}\n"),
             keyPath: "alerts.filters.date", expected: "the 'date' filter is managed by the forwarder"),
        Case(name: "alert filter without gt on date", yaml: m("", nil, "", "alerts:\n  filters: {resolutionStatus: {gt: 1}}\n"),
             keyPath: "alerts.filters.resolutionStatus.gt", expected: "expected one of eq, neq"),
        Case(name: "alerts.overlap without a unit", yaml: m("", nil, "", "alerts:\n  overlap: 10\n"),
             keyPath: "alerts.overlap", expected: "add a unit"),
        Case(name: "alerts.initial_lookback zero", yaml: m("", nil, "", "alerts:\n  initial_lookback: 0s\n"),
             keyPath: "alerts.initial_lookback", expected: "expected a positive duration"),
        Case(name: "yaml syntax error", yaml: "tenant: [unclosed\n", keyPath: "", expected: "not valid YAML"),
        Case(name: "empty file", yaml: "", keyPath: "", expected: "the file is empty"),
    ]

    @Test(arguments: cases)
    func refused(_ c: Case) throws {
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) { try fixture.load(c.yaml, environment: c.environment) }
        #expect(error.exitCode == 78)
        #expect(error.file == fixture.configPath)
        #expect(error.keyPath == c.keyPath)
        #expect(error.description.hasPrefix(fixture.configPath))
        if !c.keyPath.isEmpty { #expect(error.description.contains(": \(c.keyPath): ")) }
        #expect(error.description.contains(c.expected), "\(error.description)")
        if c.name != "empty file" { #expect(error.line != nil, "a line number is given") }
        #expect(!error.description.contains(ConfigFixture.secret))
    }

    /// About 1 KB of nested aliases ("billion laughs") took 13 s and 1.4 GiB to check. This one
    /// expands to a million scalars: refused before any expansion here, but kept small enough
    /// that a regression fails in seconds instead of exhausting the test machine's memory.
    @Test func aYAMLAliasBombIsRefusedWithFileLineAndKey() throws {
        var bomb = "filters:\n  service: {eq: [1]}\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...5 {
            let previous = "*a\(level - 1)"
            bomb += "  a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) { try fixture.load(ConfigFixture.minimal(activities: bomb)) }
        #expect(error.exitCode == 78)
        #expect(error.file == fixture.configPath)
        #expect(error.keyPath == "activities.filters.a0")
        #expect(error.line == 8)   // tenant (1-4), activities (5), filters (6), service (7), a0 (8)
        #expect(error.description.contains("YAML anchors and aliases are not allowed"), "\(error.description)")
    }

    @Test func aSingleScalarAliasIsRefusedToo() throws {
        let fixture = try ConfigFixture()
        let yaml = ConfigFixture.minimal(tenant: "requests_per_minute: &rpm 10", activities: "checkpoint_every: *rpm")
        let error = try #require(throws: ConfigError.self) { try fixture.load(yaml) }
        #expect(error.keyPath == "tenant.requests_per_minute")
        #expect(error.description.contains("found anchor &rpm"), "\(error.description)")
    }

    @Test func errorPointsAtTheOffendingLine() throws {
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) {
            try fixture.load(ConfigFixture.minimal(activities: "page_size: 1"))
        }
        // Line 6 of the minimal file: tenant (1-4), "activities:" (5), page_size (6).
        #expect(error.line == 6)
        #expect(error.description.hasPrefix("\(fixture.configPath):6:"))
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o660])
    func sharedSecretFileRefused(mode: Int) throws {
        let fixture = try ConfigFixture()
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: fixture.tokenPath)
        let error = try #require(throws: ConfigError.self) { try fixture.load(ConfigFixture.minimal()) }
        #expect(error.keyPath == "tenant.auth.token_file")
        #expect(error.description.contains("is accessible by group or others (mode 0\(String(mode, radix: 8)))"))
        #expect(error.description.contains("chmod 600 \(fixture.tokenPath)"))
    }

    @Test(arguments: [0o600, 0o400])
    func privateSecretFileAccepted(mode: Int) throws {
        let fixture = try ConfigFixture()
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: fixture.tokenPath)
        #expect(try fixture.load(ConfigFixture.minimal()).tenant.auth == .tokenFile(path: fixture.tokenPath))
    }

    /// A token pasted where a path belongs must not be echoed into the journal.
    @Test func pastedTokenIsNotEchoed() throws {
        let fixture = try ConfigFixture()
        let yaml = ConfigFixture.minimal().replacingOccurrences(of: "TOKEN", with: ConfigFixture.secret)
        let error = try #require(throws: ConfigError.self) { try fixture.load(yaml) }
        #expect(error.keyPath == "tenant.auth.token_file")
        #expect(!error.description.contains(ConfigFixture.secret))
    }

    @Test func proxyPasswordIsNotEchoed() throws {
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) {
            try fixture.load(ConfigFixture.minimal(tenant: "proxy: \"ftp://u:\(ConfigFixture.secret)@p\""))
        }
        #expect(error.keyPath == "tenant.proxy")
        #expect(!error.description.contains(ConfigFixture.secret))
    }
}
