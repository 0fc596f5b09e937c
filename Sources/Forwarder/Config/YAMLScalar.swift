import Yams

/// A scalar typed by the YAML 1.2 core schema, decided here rather than by Yams' resolver so
/// that `yes`/`on` stay strings and a quoted `"5000"` is a string, not an integer.
enum YAMLScalar: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    init(_ scalar: Node.Scalar) {
        let text = scalar.string
        guard scalar.style == .plain else {
            self = .string(text)
            return
        }
        switch text {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            if Self.isInteger(text), let value = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) {
                self = .int(value)
            } else if Self.isFloat(text), let value = Double(text) {
                self = .double(value)
            } else {
                self = .string(text)
            }
        }
    }

    private static func isInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func isFloat(_ text: String) -> Bool {
        let allowed = Set("0123456789+-.eE")
        return text.contains(where: \.isNumber) && text.allSatisfy { allowed.contains($0) }
    }

    /// How the value is named in "got …" parts of error messages.
    var description: String {
        switch self {
        case .null: "nothing (null)"
        case .bool(let value): "the boolean \(value)"
        case .int(let value): "the integer \(value)"
        case .double(let value): "the number \(value)"
        case .string(let value): "the string \(ConfigValue.quoted(String(value.prefix(80))))"
        }
    }
}

extension Node {
    /// How the node is named in "got …" parts of error messages.
    var kindDescription: String {
        switch self {
        case .scalar(let scalar): YAMLScalar(scalar).description
        case .mapping: "a mapping"
        case .sequence: "a sequence"
        case .alias: "an alias"
        }
    }

    /// The neutral value tree of this node (aliases are dereferenced by Yams when composing).
    var configValue: ConfigValue {
        switch self {
        case .scalar(let scalar):
            switch YAMLScalar(scalar) {
            case .null: return .null
            case .bool(let value): return .bool(value)
            case .int(let value): return .int(value)
            case .double(let value): return .double(value)
            case .string(let value): return .string(value)
            }
        case .mapping(let mapping):
            return .object(mapping.map { ConfigValue.Member(key: $0.key.string ?? "", value: $0.value.configValue) })
        case .sequence(let sequence):
            return .array(sequence.map(\.configValue))
        case .alias:
            return .null
        }
    }
}
