#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIX
import Yams

/// Reads and validates the configuration file (PRODUCT §6). Every problem is a `ConfigError`
/// (exit 78) naming the file, the key path, the line and what was expected.
public enum ConfigLoader {
    /// The documented default location.
    public static let standardPath = "/etc/mdca-forwarder/config.yaml"

    /// `MDCA_FORWARDER_CONFIG` when set and non-empty, else `/etc/mdca-forwarder/config.yaml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment["MDCA_FORWARDER_CONFIG"], !path.isEmpty { return path }
        return standardPath
    }

    /// Loads, parses and validates. `environment` supplies `STATE_DIRECTORY` and is used to
    /// check that `token_env`/`client_secret_env` variables are set (their values are not kept).
    /// Blocking (reads files): call it off the cooperative pool in the daemon.
    /// - Parameter checkSecrets: false for commands that never read a secret (`status`,
    ///   `checkpoint set`); the secrets' files and variables are then not checked.
    public static func load(path: String, environment: [String: String], checkSecrets: Bool = true) throws(ConfigError) -> ForwarderConfig {
        let text = try readText(path)
        return try parse(yaml: text, file: path, environment: environment, checkSecrets: checkSecrets)
    }

    /// Parses and validates YAML text as if read from `file`.
    static func parse(yaml text: String, file: String, environment: [String: String], checkSecrets: Bool = true) throws(ConfigError) -> ForwarderConfig {
        let root: Node
        // Yams keeps a node's anchor by a weak reference that only its parser holds: the
        // parser stays alive until the anchor check has run.
        let parser: Parser
        do {
            parser = try Parser(yaml: text)
            guard let node = try parser.singleRoot() else {
                throw ConfigError(file: file, keyPath: "", message: "the file is empty; expected a mapping with tenant, outputs and optionally activities, state, log")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ConfigError(file: file, keyPath: "", message: "not valid YAML: \(error)")
        }
        try withExtendedLifetime(parser) { () throws(ConfigError) in try refuseAnchors(root, file: file) }
        let reader = ConfigReader(file: file, environment: environment, checkSecrets: checkSecrets)
        return try reader.forwarderConfig(root)
    }

    private static func yamlError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return ConfigError(file: file, keyPath: "", line: mark.line, column: mark.column,
                               message: "not valid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams refuses duplicates while composing, before the key path is known: name the
            // key and the line of its first occurrence.
            return ConfigError(file: file, keyPath: duplicates.joined(separator: ", "), line: context.mark.line,
                               column: context.mark.column,
                               message: "duplicate key (a key may appear once per mapping; the later one would silently win elsewhere)")
        default:
            return ConfigError(file: file, keyPath: "", message: "not valid YAML: \(error)")
        }
    }

    /// Reads the whole file as UTF-8, with the OS's reason when it cannot.
    private static func readText(_ path: String) throws(ConfigError) -> String {
        func failure(_ what: String) -> ConfigError {
            ConfigError(file: path, keyPath: "", message: "cannot read the configuration file: \(what)")
        }
        let fd: Int32
        do {
            fd = try systemCall("open") { open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            throw failure(String(cString: strerror(error.code)))
        }
        defer { closeQuietly(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count: Int
            do {
                count = try systemCall("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                throw failure(String(cString: strerror(error.code)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            // A configuration is a few kilobytes; a huge file is the wrong file.
            if bytes.count > 1 << 20 { throw failure("larger than 1 MiB") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("not valid UTF-8")
        }
        return text
    }
}
