import ActivityJSON
import Foundation
import Formats

/// What the CEF line of one simulator record must hold, computed from the record's JSON as
/// the simulator serves it (`GET /api/v1/activities/{id}/` bytes).
///
/// Two independent routes: `fields` reads the JSON with Foundation (not the forwarder's
/// scanner), follows PRODUCT §4's mapping and escapes/truncates each value with the Formats
/// module's documented rules; `payload` is the whole line from the Formats encoder fed by the
/// ActivityJSON parser. The received line must equal `payload` byte for byte and its parsed
/// extension must equal `fields`.
struct ExpectedCEF {
    struct Unexpected: Error, CustomStringConvertible {
        var description: String
    }

    let id: String
    /// Extension key → escaped value.
    let fields: [String: String]
    /// The CEF payload (no syslog header), as the forwarder must have sent it.
    let payload: String

    init(json: [UInt8], options: MessageOptions) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw Unexpected(description: "record is not a JSON object")
        }
        guard let id = object["_id"] as? String else { throw Unexpected(description: "record without string _id") }
        self.id = id

        func text(_ value: Any?, _ what: String) throws -> String? {
            switch value {
            case nil, is NSNull: return nil
            case let s as String: return s
            default: throw Unexpected(description: "\(id): \(what) is \(type(of: value)), expected a string")
            }
        }
        func escaped(_ value: String?, limit: Int) -> String {
            var buffer: [UInt8] = []
            if let value { CEFEscaping.append(value, .extensionValue, limit: limit, into: &buffer) }
            return String(decoding: buffer, as: UTF8.self)
        }
        /// Parts joined by `,` under one shared budget, as the agent joined them.
        func joined(_ parts: [String]) -> String {
            var buffer: [UInt8] = []
            var used = 0
            for (index, part) in parts.enumerated() {
                if index > 0 {
                    guard used + 1 <= CEFLimits.customString else { break }
                    buffer.append(UInt8(ascii: ","))
                    used += 1
                }
                guard CEFEscaping.append(part, .extensionValue, limit: CEFLimits.customString, used: &used, into: &buffer) else { break }
            }
            return String(decoding: buffer, as: UTF8.self)
        }

        let user = object["user"] as? [String: Any]
        let failed = object["failedUserData"] as? [String: Any]
        let device = object["device"] as? [String: Any]
        var suser = try text(user?["userName"], "user.userName")
        if suser?.isEmpty ?? true { suser = try text(failed?["userName"], "failedUserData.userName") }
        let ip = try text(device?["clientIP"], "device.clientIP")
        let kind = ip.flatMap(IPAddressKind.init(literal:))

        var names: [String] = []
        if let main = object["mainInfo"] as? [String: Any], let objects = main["eventObjects"] as? [[String: Any]] {
            names = try objects.map { try text($0["name"], "eventObjects[].name") ?? "" }
        }
        var policies: [String] = []
        if let list = object["policies"] as? [Any] {
            policies = try list.map { element in
                if let dict = element as? [String: Any] {
                    return try text(dict["id"] ?? dict["_id"], "policies[].id") ?? ""
                }
                return try text(element, "policies[]") ?? ""
            }
        }

        fields = [
            "externalId": escaped(id, limit: Int.max),
            "msg": escaped(try text(object["description"], "description"), limit: CEFLimits.message),
            "suser": escaped(suser, limit: CEFLimits.sourceUser),
            "destinationServiceName": escaped(try text(object["appName"], "appName"), limit: CEFLimits.destinationServiceName),
            "dvc": kind == .v4 ? escaped(ip, limit: CEFLimits.address) : "",
            "c6a1": kind == .v6 ? escaped(ip, limit: CEFLimits.address) : "",
            "requestClientApplication": escaped(try text(device?["userAgent"], "device.userAgent"), limit: CEFLimits.requestClientApplication),
            "cs3": joined(names),
            "cs4": joined(policies),
        ]

        let record = try ActivityRecord.parse(json)
        var buffer: [UInt8] = []
        var payloadOptions = options
        payloadOptions.syslog = .none
        MessageEncoder(options: payloadOptions).encode(record, unixMilliseconds: 0, into: &buffer)
        payload = String(decoding: buffer, as: UTF8.self)
    }

    /// The differences between a received line's extension and `fields` (empty when equal),
    /// plus a check that the unescaped values still read as the record's text.
    func mismatches(in line: CEFLine) -> [String] {
        var problems: [String] = []
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            let got = line[key]
            if got != value {
                problems.append("\(id) \(key): expected \(value.prefix(120).debugDescription), got \(String(describing: got?.prefix(120)))")
            }
        }
        if let got = line["externalId"], CEFLine.unescape(got) != id {
            problems.append("\(id) externalId does not unescape to the id")
        }
        return problems
    }
}
