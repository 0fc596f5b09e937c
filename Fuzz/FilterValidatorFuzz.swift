// libFuzzer harness for the filter validator (Sources/MDCA filter files compiled in): the
// `filters:` mappings an operator writes, built from the input by a small structure-aware
// reader so that most inputs reach real field and operator names.
import Foundation

/// Reads values from the input bytes; past the end every read is 0.
private struct ValueReader {
    let bytes: [UInt8]
    var index = 0
    let names: [String]

    mutating func byte() -> UInt8 {
        defer { index += 1 }
        return index < bytes.count ? bytes[index] : 0
    }

    mutating func string() -> String {
        let head = byte()
        if head & 0x80 != 0, !names.isEmpty {
            // A known field or operator name, sometimes with its case changed.
            let name = names[Int(head & 0x7F) % names.count]
            return byte() & 1 == 0 ? name : name.uppercased()
        }
        let length = Int(head & 0x1F)
        let end = min(bytes.count, index + length)
        defer { index = max(index, end) }
        return index < end ? String(decoding: bytes[index..<end], as: UTF8.self) : ""
    }

    mutating func value(depth: Int) -> FilterValue {
        switch byte() % (depth > 3 ? 5 : 7) {
        case 0: return .string(string())
        case 1: return .int(Int64(bitPattern: (0..<8).reduce(UInt64(0)) { v, _ in v << 8 | UInt64(byte()) }) >> Int64(byte() % 64))
        case 2: return .double(Double(Int8(bitPattern: byte())) / Double(max(1, byte())))
        case 3: return .bool(byte() & 1 == 1)
        case 4: return .null
        case 5: return .array((0..<Int(byte() % 5)).map { _ in value(depth: depth + 1) })
        default:
            var members: [String: FilterValue] = [:]
            for _ in 0..<Int(byte() % 5) { members[string()] = value(depth: depth + 1) }
            return .object(members)
        }
    }
}

private let schemas = [("activities.filters", FilterTable.schema), ("alerts.filters", AlertFilterTable.schema)]

@_cdecl("LLVMFuzzerTestOneInput")
public func filterValidatorFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let (keyPath, schema) = schemas[Int(first & 1)]
    let names = schema.fields.map(\.name) + FilterOperator.allCases.map(\.rawValue)
    var reader = ValueReader(bytes: input, index: 1, names: names)
    let filters = reader.value(depth: 0)
    let normalised: [String: FilterValue]
    do {
        normalised = try FilterValidator.validate(filters, keyPath: keyPath, schema: schema)
    } catch {
        check(!error.problems.isEmpty, "refused without a problem")
        for problem in error.problems {
            check(problem.keyPath.hasPrefix(keyPath), "problem at \(problem.keyPath), outside \(keyPath)")
            check(!problem.message.isEmpty, "a problem without a message")
        }
        return 0
    }
    for (name, operators) in normalised {
        check(schema.field(named: name) != nil && schema.managed[name] == nil, "accepted field \(name)")
        guard case .object(let members) = operators else { check(false, "\(name) is not a mapping"); continue }
        for op in members.keys { check(FilterOperator(rawValue: op) != nil, "operator \(op) not normalised") }
    }
    // Validation is idempotent, and what goes into the request is one line of valid JSON.
    do {
        let again = try FilterValidator.validate(.object(normalised), keyPath: keyPath, schema: schema)
        check(again == normalised, "validating the normalised filters changes them")
    } catch {
        check(false, "the normalised filters are refused: \(error)")
    }
    let json = FilterValue.object(normalised).jsonBytes()
    check(!json.contains(0x0A) && !json.contains(0x0D), "filter JSON spans lines")
    check((try? JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed])) != nil,
          "filter JSON does not parse: \(String(decoding: json, as: UTF8.self))")
    return 0
}
