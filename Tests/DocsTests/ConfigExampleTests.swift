import Foundation
import TestSupport
import Testing

/// Every YAML block the documentation marks as a configuration (```yaml config, or
/// `.\" yaml config` in a man page) is accepted by the built `mdca-forwarder check-config`.
///
/// Placeholder scheme: the examples name real paths (`/run/credentials/…/api-token`,
/// `/etc/ssl/…`); the test creates each referenced file under a temp directory at the same
/// relative path (secrets mode 0600, one line), rewrites the example to point there, and sets
/// every variable named by `token_env`/`client_secret_env`. Nothing else is changed.
struct ConfigExampleTests {
    static let secretKeys = ["token_file", "client_secret_file", "password_file", "key_file"]
    static let publicFileKeys = ["ca_file", "cert_file"]

    /// The example with its files created under `dir`, and the environment it needs.
    static func materialise(_ block: DocBlock, in dir: TempDir) throws -> (yaml: String, environment: [String: String]) {
        var yaml = block.text
        var environment = ["STATE_DIRECTORY": dir.file("state")]
        func relocate(_ path: String) -> String { dir.path + "/files" + path }
        func create(_ path: String, mode: mode_t) throws {
            let target = relocate(path)
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: target, contents: Data("docs-example-placeholder\n".utf8)),
                  chmod(target, mode) == 0 else { throw POSIXError(.EIO) }
        }
        for (keys, mode) in [(secretKeys, mode_t(0o600)), (publicFileKeys, mode_t(0o644))] {
            for key in keys {
                let pattern = try Regex("\(key):[ \t]*(/[^\\s,}]+)")
                for match in yaml.matches(of: pattern) {
                    guard let path = match.output[1].substring.map(String.init) else { continue }
                    try create(path, mode: mode)
                }
                yaml = yaml.replacing(pattern) { match in
                    "\(key): " + relocate(String(match.output[1].substring ?? ""))
                }
            }
        }
        // state.path and file:// outputs: inside the temp directory too.
        yaml = yaml.replacing(try Regex(#"(?m)^(\s+)path:[ \t]*(/\S+)"#)) { match in
            let indent = match.output[1].substring ?? ""
            let path = String(match.output[2].substring ?? "")
            return "\(indent)path: " + relocate(path)
        }
        for match in yaml.matches(of: try Regex(#"(?m)^(\s+)path:[ \t]*(/\S+)"#)) {
            let path = String(match.output[2].substring ?? "")
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        yaml = yaml.replacing(try Regex(#"file://(/\S+)"#)) { match in "file://" + relocate(String(match.output[1].substring ?? "")) }
        for match in yaml.matches(of: try Regex(#"file://(/\S+)"#)) {
            let path = String(match.output[1].substring ?? "")
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        for match in yaml.matches(of: try Regex(#"(?:token_env|client_secret_env):[ \t]*([A-Za-z_][A-Za-z0-9_]*)"#)) {
            environment[String(match.output[1].substring ?? "")] = "docs-example-secret"
        }
        return (yaml, environment)
    }

    @Test func thereAreMarkedExamples() throws {
        let blocks = try DocBlocks.all(markdown: "yaml config", man: "yaml config")
        // README, the configuration reference, the guides and both man pages carry examples.
        #expect(blocks.count >= 10, "only \(blocks.map(\.description))")
        #expect(Set(blocks.map(\.file)).contains("README.md"))
        #expect(Set(blocks.map(\.file)).contains("man/mdca-forwarder.yaml.5"))
    }

    /// The marked blocks, and the shipped example files as wholes. Blocks marked
    /// `yaml config-ha` use `state.etcd` and are checked once the loader knows it.
    static func examples() throws -> [DocBlock] {
        let ha = try KeyCoverageTests.highAvailability() ? try DocBlocks.all(markdown: "yaml config-ha", man: "yaml config-ha") : []
        return try DocBlocks.all(markdown: "yaml config", man: "yaml config") + ha
            + ["config/config.example.yaml", "config/demo.yaml"].map { DocBlock(file: $0, line: 1, text: try Repository.text($0)) }
    }

    @Test(arguments: try examples())
    func exampleIsAValidConfiguration(_ block: DocBlock) async throws {
        let dir = try TempDir("mdca-docs")
        try FileManager.default.createDirectory(atPath: dir.file("state"), withIntermediateDirectories: true)
        let (yaml, environment) = try Self.materialise(block, in: dir)
        let path = try dir.write("config.yaml", yaml, mode: 0o644)
        let result = try await ChildProcess.run("mdca-forwarder", ["check-config", "--config", path], environment: environment, timeout: .seconds(30))
        #expect(result.status == 0, "\(block): check-config refused it:\n\(result.stderr)\n--- as tested:\n\(yaml)")
    }
}

extension DocBlock: CustomTestStringConvertible {
    var testDescription: String { description }
}
