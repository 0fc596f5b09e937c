import Foundation

/// A configuration for command-line tests: a private token file holding a distinctive secret
/// (so any leak is detectable), a state path in the temp directory, and YAML that tests
/// rewrite to produce each bad case.
public struct CLIFixture: Sendable {
    /// Distinctive, so a leak into any output, message or notification is detectable.
    public static let secret = "CLI-S3cr3t-never-printed-4b7e19"

    public let dir: TempDir
    public let tokenPath: String
    public let statePath: String
    public var configPath: String { dir.file("config.yaml") }

    public init(token: String = CLIFixture.secret) throws {
        dir = try TempDir("mdca-cli")
        tokenPath = try dir.write("api-token", token, mode: 0o600)
        statePath = dir.file("state/state.json")
        try FileManager.default.createDirectory(atPath: dir.file("state"), withIntermediateDirectories: true)
    }

    /// A valid configuration: `tenantURL`, one output, short intervals.
    public func yaml(tenantURL: String = "https://contoso.eu2.portal.cloudappsecurity.com",
                     outputURL: String = "tcp://127.0.0.1:9", statePath: String? = nil) -> String {
        """
        tenant:
          url: \(tenantURL)
          auth:
            token_file: \(tokenPath)
        activities:
          page_size: 500
          poll_interval: 1s
          settle_time: 1s
        state:
          path: \(statePath ?? self.statePath)
        outputs:
          - name: rx
            url: \(outputURL)
            format: json
            syslog: none
            max_message_bytes: 1048576

        """
    }

    /// Writes `text` as the configuration file; returns its path.
    @discardableResult
    public func write(_ text: String) throws -> String {
        try dir.write("config.yaml", text, mode: 0o644)
    }

    /// The state file as JSON, or nil.
    public func state(at path: String? = nil) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path ?? statePath) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The cursor's `createdMs` in the state file, or nil.
    public func cursorMs() -> Int64? {
        ((state()?["cursor"] as? [String: Any])?["createdMs"] as? NSNumber)?.int64Value
    }

    /// Runs `mdca-forwarder` with `arguments` (no implicit `--config`).
    public func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> (status: Int32?, stdout: String, stderr: String) {
        try await ChildProcess.run("mdca-forwarder", arguments, environment: environment, timeout: timeout)
    }
}
