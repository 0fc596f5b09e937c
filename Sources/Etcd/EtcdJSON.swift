import Foundation

/// Reading the gateway's JSON (grpc-gateway, proto3 mapping): int64 as decimal strings, bytes as
/// base64, fields with default values left out. Every reader returns nil on a wrong shape,
/// never traps: an answer from a hostile or broken endpoint is just malformed.
enum EtcdJSON {
    typealias Object = [String: Any]

    /// The first JSON object of `body` (a streaming endpoint sends one object per line).
    static func object(_ body: [UInt8]) -> Object? {
        let firstLine = body.split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: true).first ?? []
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(firstLine), options: []) else { return nil }
        return parsed as? Object
    }

    /// An int64 field: a decimal string as the gateway sends it, or a plain integer; absent is
    /// 0 (proto3 default); anything else is nil.
    static func int64(_ object: Object, _ name: String) -> Int64? {
        switch object[name] {
        case nil: return 0
        case let text as String: return Int64(text)
        case let number as Int: return Int64(exactly: number)
        default: return nil
        }
    }

    /// A bytes field: base64; absent is empty.
    static func bytes(_ object: Object, _ name: String) -> [UInt8]? {
        guard let value = object[name] else { return [] }
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return nil }
        return Array(data)
    }

    static func bool(_ object: Object, _ name: String) -> Bool? {
        guard let value = object[name] else { return false }
        return value as? Bool
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Serialises a request body (built only from strings, booleans, arrays and objects).
    static func encode(_ object: Object) -> [UInt8] {
        // Cannot fail for the values the codec builds; an empty body would be refused by etcd.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
    }
}
