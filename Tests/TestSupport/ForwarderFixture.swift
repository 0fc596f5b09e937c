import Foundation

/// A forwarder configuration file in a temp directory, pointing at a simulator and outputs.
public struct ForwarderFixture: Sendable {
    public struct OutputSpec: Sendable {
        public var name: String
        public var url: String
        public var format = "json"
        public var syslog = "none"
        /// Extra keys; by default a cap large enough that no JSON line is truncated (hostile
        /// simulator records carry 10 KB values), so every line parses back.
        public var extra: [String] = []

        public init(name: String, url: String, format: String = "json", syslog: String = "none", extra: [String] = ["max_message_bytes: 1048576"]) {
            self.name = name
            self.url = url
            self.format = format
            self.syslog = syslog
            self.extra = extra
        }
    }

    public let configPath: String
    public let statePath: String
    public static let tokenVariable = "MDCA_TEST_TOKEN"

    /// Writes the file. `token` goes into the environment of the child, never into the file.
    public init(
        dir: TempDir, tenantURL: String, outputs: [OutputSpec], pageSize: Int = 500,
        pollInterval: String = "1s", settleTime: String = "1s", checkpointEvery: Int = 1000,
        initialLookback: String = "2d", extraTenant: [String] = [], extraTop: [String] = [], name: String = "config.yaml"
    ) throws {
        statePath = dir.file("state/state.json")
        try FileManager.default.createDirectory(atPath: dir.file("state"), withIntermediateDirectories: true)
        var yaml = """
            tenant:
              url: \(tenantURL)
              auth:
                token_env: \(Self.tokenVariable)

            """
        for line in extraTenant { yaml += "  \(line)\n" }
        yaml += """
            activities:
              page_size: \(pageSize)
              poll_interval: \(pollInterval)
              settle_time: \(settleTime)
              initial_lookback: \(initialLookback)
              checkpoint_every: \(checkpointEvery)
            state:
              path: \(statePath)
            log:
              level: info
            outputs:

            """
        for o in outputs {
            yaml += "  - name: \(o.name)\n    url: \(o.url)\n    format: \(o.format)\n    syslog: \(o.syslog)\n"
            for line in o.extra { yaml += "    \(line)\n" }
        }
        for line in extraTop { yaml += "\(line)\n" }
        configPath = try dir.write(name, yaml, mode: 0o644)
    }

    public func environment(token: String) -> [String: String] { [Self.tokenVariable: token] }

    /// The `_id` of each JSON line (format json, syslog none), in arrival order. A plain
    /// scan for the first `"_id":"…"` — test runs audit 50,000 lines many times, and the
    /// simulator's ids never contain quotes or escapes.
    public static func ids(fromJSONLines lines: [String]) -> [String] {
        let key = Array(#""_id":""#.utf8)
        return lines.compactMap { line -> String? in
            var utf8 = line.utf8[...]
            while let start = utf8.firstIndex(of: key[0]) {
                let rest = utf8[start...]
                if rest.starts(with: key) {
                    let value = rest.dropFirst(key.count)
                    guard let end = value.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                    return String(Substring(value[..<end]))
                }
                utf8 = utf8[utf8.index(after: start)...]
            }
            return nil
        }
    }

    /// The cursor stored in the state file, or nil.
    public func storedCursorMs() -> Int64? {
        guard let data = FileManager.default.contents(atPath: statePath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cursor = object["cursor"] as? [String: Any]
        else { return nil }
        return (cursor["createdMs"] as? NSNumber)?.int64Value
    }
}
