@testable import Forwarder
import Foundation

/// A temp directory with a private token file, for configuration tests.
final class ConfigFixture {
    /// Distinctive, so a leak into any rendering or message is detectable.
    static let secret = "S3cr3t-T0ken-must-never-be-printed-9f8e7d"

    let directory: String
    let tokenPath: String
    var configPath: String { directory + "/config.yaml" }

    init() throws {
        directory = NSTemporaryDirectory() + "config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        tokenPath = directory + "/api-token"
        try writeFile(tokenPath, Self.secret, mode: 0o600)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func writeFile(_ path: String, _ text: String, mode: Int) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Writes `yaml` (with `TOKEN` replaced by the token file's path and `DIR` by the
    /// directory) to config.yaml and loads it.
    @discardableResult
    func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> ForwarderConfig {
        let text = yaml.replacingOccurrences(of: "TOKEN", with: tokenPath).replacingOccurrences(of: "DIR", with: directory)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
        } catch {
            fatalError("cannot write the test configuration: \(error)")
        }
        return try ConfigLoader.load(path: configPath, environment: environment)
    }

    /// The smallest valid configuration, with extra lines appended to chosen sections.
    static func minimal(tenant: String = "", activities: String? = nil, output: String = "", more: String = "") -> String {
        var yaml = """
        tenant:
          url: https://contoso.eu2.portal.cloudappsecurity.com
          auth:
            token_file: TOKEN

        """
        if !tenant.isEmpty { yaml += indent(tenant, by: 2) }
        if let activities { yaml += "activities:\n" + indent(activities, by: 2) }
        yaml += """
        outputs:
          - name: siem
            url: tcp://siem.example.com:514

        """
        if !output.isEmpty { yaml += indent(output, by: 4) }
        return yaml + more
    }

    private static func indent(_ text: String, by count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : String(repeating: " ", count: count) + $0 }
            .joined(separator: "\n") + (text.hasSuffix("\n") ? "" : "\n")
    }
}
