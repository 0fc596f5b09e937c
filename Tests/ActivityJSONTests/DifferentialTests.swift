import ActivityJSON
import Foundation
import Testing
import struct Simulator.SplitMix64

/// Random records (seeded), written by JSONSerialization and by a writer that adds random
/// whitespace and `\u` escapes, parsed by ActivityJSON and compared field by field with what
/// JSONSerialization decodes from the same bytes.
@Suite struct DifferentialTests {
    @Test(arguments: [UInt64(0x5EED), 0xAC71_7177, 0xC0FFEE])
    func randomRecordsMatchFoundation(seed: UInt64) throws {
        var generator = RecordGenerator(rng: SplitMix64(seed: seed))
        var customTexts: [[UInt8]] = []
        for index in 0..<100 {
            let model = generator.record()
            let viaFoundation = try [UInt8](JSONSerialization.data(withJSONObject: model.foundation))
            var custom = ""
            model.write(into: &custom, using: &generator.rng)
            customTexts.append(Array(custom.utf8))
            for text in [viaFoundation, Array(custom.utf8)] {
                let record = try ActivityRecord.parse(text)
                try compare(record, model: model, text: text, context: "seed \(seed) record \(index)")
            }
        }
        // The same records as one page: same fields, one-line rawJSON that reads back equal.
        let page = try ActivityPage.parse(Samples.page(customTexts))
        try #require(page.records.count == customTexts.count)
        for (record, text) in zip(page.records, customTexts) {
            #expect(record == (try ActivityRecord.parse(text)).withRawJSON(record.rawJSON))
            #expect(!record.rawJSON.contains(0x0A) && !record.rawJSON.contains(0x0D))
            #expect(try foundationObject(record.rawJSON) as? NSDictionary == foundationObject(text) as? NSDictionary)
        }
    }

    private func compare(_ r: ActivityRecord, model: JValue, text: [UInt8], context: String) throws {
        let found = try #require(try foundationObject(text) as? NSDictionary)
        let note = Comment(rawValue: "\(context): \(String(decoding: text, as: UTF8.self))")
        func field(_ key: String) -> (JValue?, Any?) { (model.member(key), found[key]) }

        #expect(Oracle.text(field("_id")).matches(r.id, absentAs: ""), note)
        #expect(Oracle.millisMatch(r.created, field("created")), note)
        #expect(Oracle.millisMatch(r.timestamp, field("timestamp")), note)
        #expect(Oracle.text(field("eventTypeName")).matches(r.eventTypeName), note)
        #expect(Oracle.text(field("description")).matches(r.description), note)
        #expect(Oracle.text(field("appName")).matches(r.appName), note)
        #expect(Oracle.text(field("appId")).matches(r.appId), note)
        #expect(Oracle.member(field("description_metadata"), "event_category").matches(r.eventCategory), note)
        #expect(Oracle.member(field("user"), "userName").matches(r.userName), note)
        #expect(Oracle.member(field("failedUserData"), "userName").matches(r.failedUserName), note)
        #expect(Oracle.member(field("device"), "clientIP").matches(r.clientIP), note)
        #expect(Oracle.member(field("device"), "userAgent").matches(r.userAgent), note)
        #expect(Oracle.matches(r.targetObjectNames, Oracle.targetNames(field("mainInfo"))), note)
        #expect(Oracle.matches(r.policyIDs, Oracle.policies(field("policies"))), note)
        #expect(Array(r.rawJSON) == text || text.contains(0x0A) || text.contains(0x0D), note)
    }
}

/// What each field should read as, from the generated value's kind and Foundation's decoding.
enum Oracle {
    /// A number's text is compared by value: the two writers spell doubles differently, and
    /// Foundation's decoder is not always correctly rounded (off by one ulp), hence the tolerance.
    enum Text {
        case exact(String?)
        case number(Double)

        func matches(_ ours: String?, absentAs absent: String? = nil) -> Bool {
            switch self {
            case .exact(let expected): return ours == (expected ?? absent)
            case .number(let expected):
                guard let value = ours.flatMap({ Double($0) }) else { return false }
                return abs(value - expected) <= abs(expected) * 1e-15
            }
        }
        var isNil: Bool { if case .exact(nil) = self { true } else { false } }
    }

    static func text(_ pair: (JValue?, Any?)) -> Text {
        switch pair.0 {
        case .string?: .exact(pair.1 as? String)
        case .int?: .exact((pair.1 as? NSNumber).map { String($0.int64Value) })
        case .double?: .number((pair.1 as? NSNumber)?.doubleValue ?? .nan)
        case .bool?: .exact((pair.1 as? NSNumber).map { $0.boolValue ? "true" : "false" })
        default: .exact(nil)
        }
    }

    static func millis(_ pair: (JValue?, Any?)) -> Int64? {
        switch pair.0 {
        case .int?: return (pair.1 as? NSNumber)?.int64Value
        case .double?:
            guard let d = (pair.1 as? NSNumber)?.doubleValue, d > -9.2e18, d < 9.2e18 else { return nil }
            return Int64(d.rounded(.towardZero))
        case .string?:
            guard let s = pair.1 as? String, s.wholeMatch(of: /-?[0-9]+/) != nil else { return nil }
            return Int64(s)
        default: return nil
        }
    }

    /// Exact, except for doubles (Foundation's reader may be one ulp off, which can move the
    /// truncated value by an ulp's worth, plus one across an integer boundary).
    static func millisMatch(_ ours: Int64?, _ pair: (JValue?, Any?)) -> Bool {
        let expected = millis(pair)
        guard case .double? = pair.0, let ours, let expected else { return ours == expected }
        return abs(Double(ours) - Double(expected)) <= abs(Double(expected)) * 1e-15 + 1
    }

    static func member(_ pair: (JValue?, Any?), _ key: String) -> Text {
        guard case .object? = pair.0 else { return .exact(nil) }
        return text((pair.0?.member(key), (pair.1 as? NSDictionary)?[key]))
    }

    static func targetNames(_ mainInfo: (JValue?, Any?)) -> [Text] {
        guard case .object? = mainInfo.0,
              case .array(let elements)? = mainInfo.0?.member("eventObjects"),
              let found = (mainInfo.1 as? NSDictionary)?["eventObjects"] as? NSArray else { return [] }
        return zip(elements, found).map { element, value in
            let name = member((element, value), "name")
            return name.isNil ? .exact("") : name
        }
    }

    static func policies(_ pair: (JValue?, Any?)) -> [Text] {
        func id(_ element: (JValue?, Any?)) -> Text {
            guard case .object? = element.0 else { return text(element) }
            let id = member(element, "id")
            return id.isNil ? member(element, "_id") : id
        }
        guard pair.0 != nil else { return [] }
        guard case .array(let elements)? = pair.0, let found = pair.1 as? NSArray else {
            return [id(pair)].filter { !$0.isNil }
        }
        return zip(elements, found).map { id(($0, $1)) }.filter { !$0.isNil }
    }

    static func matches(_ ours: [String], _ expected: [Text]) -> Bool {
        ours.count == expected.count && zip(ours, expected).allSatisfy { $1.matches($0) }
    }
}

extension JValue {
    func member(_ key: String) -> JValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }
}

extension ActivityRecord {
    func withRawJSON(_ raw: ArraySlice<UInt8>) -> ActivityRecord {
        var copy = self
        copy.rawJSON = raw
        return copy
    }
}
