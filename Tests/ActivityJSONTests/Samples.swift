import ActivityJSON
import Foundation
import Testing

/// The product's sample files, copied into `Tests/Fixtures/` (from the product contract's
/// `shared/samples/`) so that a clone of the repository alone runs every test. Found from
/// this file's path so that tests do not depend on the working directory.
enum Samples {
    static func url(_ name: String) throws -> URL {
        // #filePath is <package>/Tests/ActivityJSONTests/Samples.swift.
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        guard FileManager.default.fileExists(atPath: fixture.path) else {
            throw SampleError(message: "\(fixture.path) not found")
        }
        return fixture
    }

    /// Each element's `record` of activities-real.json, re-serialised compactly.
    static func realRecords() throws -> [[UInt8]] {
        let data = try Data(contentsOf: url("activities-real.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try entries.map { entry in
            let record = try #require(entry["record"])
            return try [UInt8](JSONSerialization.data(withJSONObject: record))
        }
    }

    /// A page body around records given as JSON texts.
    static func page(_ records: [[UInt8]], tail: String = #","hasNext":false"#) -> [UInt8] {
        var body = Array(#"{"data":["#.utf8)
        for (i, record) in records.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += record
        }
        body += Array("]\(tail)}".utf8)
        return body
    }
}

struct SampleError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Parses JSON text with Foundation, the reference the tests compare against.
func foundationObject(_ bytes: some Collection<UInt8>) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
}

extension Samples {
    /// Each element's `record` of alerts-real.json, as the bytes of the file (pretty-printed).
    static func realAlerts() throws -> [[UInt8]] {
        let data = try Data(contentsOf: url("alerts-real.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try entries.map { entry in
            let record = try #require(entry["record"])
            return try [UInt8](JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted]))
        }
    }
}
