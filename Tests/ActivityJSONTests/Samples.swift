import ActivityJSON
import Foundation
import Testing

/// The shared sample files (`shared/samples/` next to the repository, or above it), found
/// from this file's path so that tests do not depend on the working directory.
enum Samples {
    static func url(_ name: String) throws -> URL {
        // #filePath is <package>/Tests/ActivityJSONTests/Samples.swift.
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/samples/\(name)")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw SampleError(message: "shared/samples/\(name) not found above \(#filePath)")
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
