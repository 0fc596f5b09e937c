import Yams

/// Walks the composed YAML tree and turns every problem into a `ConfigError` naming the file,
/// the key path, the position and the expectation.
struct ConfigReader {
    let file: String
    let environment: [String: String]
    /// False for commands that never read a secret (`status`, `checkpoint set`): they must
    /// work for an operator whose shell lacks the service's credentials.
    var checkSecrets = true

    func error(_ keyPath: String, at node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: keyPath, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    /// Opens a mapping, refusing anything else, duplicate keys and unknown keys (with a
    /// "did you mean" suggestion).
    func mapping(_ node: Node, at keyPath: String, allowed: [String]) throws(ConfigError) -> MappingReader {
        guard case .mapping(let mapping) = node else {
            throw error(keyPath, at: node, "expected a mapping with keys \(allowed.joined(separator: ", ")), got \(node.kindDescription)")
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, case .string(let name) = YAMLScalar(scalar) else {
                throw error(keyPath, at: key, "expected string keys, got \(key.kindDescription)")
            }
            let childPath = MappingReader.join(keyPath, name)
            guard entries[name] == nil else {
                throw error(childPath, at: key, "duplicate key (it is already set above)")
            }
            guard allowed.contains(name) else {
                var message = "unknown key"
                if let suggestion = KeySuggestion.closest(to: name, in: allowed) {
                    message += "; did you mean `\(suggestion)`?"
                }
                message += " Valid keys here: \(allowed.joined(separator: ", "))"
                throw error(childPath, at: key, message)
            }
            entries[name] = (key, value)
        }
        return MappingReader(reader: self, keyPath: keyPath, node: node, entries: entries)
    }

    /// The items of a sequence.
    func sequence(_ node: Node, at keyPath: String, expected: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(keyPath, at: node, "expected \(expected), got \(node.kindDescription)")
        }
        return Array(sequence)
    }
}

/// One mapping of the file with typed, path-aware accessors. A key set to null (`key:` with
/// nothing after it) counts as absent, so the default applies.
struct MappingReader {
    let reader: ConfigReader
    let keyPath: String
    let node: Node
    let entries: [String: (key: Node, value: Node)]

    static func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    func path(_ key: String) -> String { Self.join(keyPath, key) }

    func has(_ key: String) -> Bool { value(key) != nil }

    /// The value node, nil when absent or null.
    func value(_ key: String) -> Node? {
        guard let value = entries[key]?.value else { return nil }
        if case .scalar(let scalar) = value, YAMLScalar(scalar) == .null { return nil }
        return value
    }

    func error(_ key: String, _ message: String) -> ConfigError {
        reader.error(path(key), at: value(key) ?? entries[key]?.key ?? node, message)
    }

    func required(_ key: String, _ expected: String) throws(ConfigError) -> Node {
        guard let value = value(key) else {
            throw reader.error(path(key), at: node, "missing; expected \(expected)")
        }
        return value
    }

    /// A string. Numbers written without quotes are refused rather than converted, except
    /// where `echo` is false the offending value is not repeated (fields near secrets).
    func string(_ key: String, expected: String = "a string", echo: Bool = true) throws(ConfigError) -> String? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node, case .string(let text) = YAMLScalar(scalar) else {
            throw error(key, "expected \(expected), got \(echo ? node.kindDescription : "a value of another type")")
        }
        guard !text.isEmpty else { throw error(key, "expected \(expected), got an empty string") }
        return text
    }

    func requiredString(_ key: String, expected: String = "a string", echo: Bool = true) throws(ConfigError) -> String {
        _ = try required(key, expected)
        guard let text = try string(key, expected: expected, echo: echo) else {
            throw error(key, "missing; expected \(expected)")
        }
        return text
    }

    /// An integer within `range`; `why` explains the bounds in the message.
    func int(_ key: String, in range: ClosedRange<Int>, why: String = "") throws(ConfigError) -> Int? {
        guard let node = value(key) else { return nil }
        let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
        let expectation = "an integer \(bounds)" + (why.isEmpty ? "" : " (\(why))")
        guard case .scalar(let scalar) = node, case .int(let value) = YAMLScalar(scalar) else {
            throw error(key, "expected \(expectation), got \(node.kindDescription)")
        }
        guard let result = Int(exactly: value), range.contains(result) else {
            throw error(key, "expected \(expectation), got \(value)")
        }
        return result
    }

    /// `true` or `false` (YAML 1.2 core schema: `yes`/`on` are not booleans).
    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node else {
            throw error(key, "expected true or false, got \(node.kindDescription)")
        }
        guard case .bool(let flag) = YAMLScalar(scalar) else {
            throw error(key, "expected true or false, got \(ConfigValue.quoted(String(scalar.string.prefix(80))))")
        }
        return flag
    }

    /// A positive duration (`60s`, `2d`, `1h30m`); with `allowZero`, `0s` too.
    func duration(_ key: String, allowZero: Bool = false) throws(ConfigError) -> Duration? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node else {
            throw error(key, "expected \(DurationText.expected), got \(node.kindDescription)")
        }
        let parsed = YAMLScalar(scalar)
        if case .int(let number) = parsed {
            throw error(key, "expected \(DurationText.expected), got the bare number \(number) (add a unit, e.g. \(number)s)")
        }
        guard case .string(let text) = parsed, let milliseconds = DurationText.milliseconds(text) else {
            throw error(key, "expected \(DurationText.expected), got \(parsed.description)")
        }
        guard milliseconds > 0 || (allowZero && milliseconds == 0) else {
            throw error(key, "expected a positive duration, got \(text)")
        }
        return .milliseconds(milliseconds)
    }

    /// One of a fixed set of words.
    func choice<T>(_ key: String, _ choices: [(String, T)]) throws(ConfigError) -> T? {
        let names = choices.map(\.0)
        guard let text = try string(key, expected: "one of \(names.joined(separator: ", "))") else { return nil }
        guard let match = choices.first(where: { $0.0 == text }) else {
            var message = "expected one of \(names.joined(separator: ", ")), got \(ConfigValue.quoted(String(text.prefix(80))))"
            if let suggestion = KeySuggestion.closest(to: text, in: names) { message += "; did you mean `\(suggestion)`?" }
            throw error(key, message)
        }
        return match.1
    }

    /// A nested mapping, nil when absent.
    func mapping(_ key: String, allowed: [String]) throws(ConfigError) -> MappingReader? {
        guard let node = value(key) else { return nil }
        return try reader.mapping(node, at: path(key), allowed: allowed)
    }
}
