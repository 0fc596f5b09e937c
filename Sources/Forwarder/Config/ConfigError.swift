/// The configuration file is invalid. Exit code 78 (EX_CONFIG, PRODUCT §5).
///
/// The description names the file, the line and column, the key path (`outputs[1].url`,
/// indices from 0) and what was expected, so one journal line says what to fix. Messages never
/// echo a secret.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file.
    public var file: String
    /// Dotted key path with 0-based sequence indices, e.g. `outputs[1].url`; empty for the file.
    public var keyPath: String
    /// 1-based line and column of the offending node, when known.
    public var line: Int?
    public var column: Int?
    /// What is wrong and what was expected.
    public var message: String

    /// EX_CONFIG from sysexits.h, as documented in PRODUCT §5; systemd units use
    /// `RestartPreventExitStatus=78` so a bad file is not restarted in a loop.
    public var exitCode: Int32 { 78 }

    public init(file: String, keyPath: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}
