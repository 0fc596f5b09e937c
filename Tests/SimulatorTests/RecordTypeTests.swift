import Foundation
import Testing
@testable import Simulator

/// The simulator stands for the real service: by default it sends only the type variance the
/// real API shows (`saasId` number or string, …), never `created` or `appId` as strings.
@Suite struct RecordTypeTests {
    /// Counts of records whose `created` / `appId` / `saasId` are not JSON integers.
    func nonIntegers(wildTypes: Bool, count: Int = 20_000) throws -> (created: Int, appId: Int, saasId: Int) {
        let generator = ActivityGenerator(seed: 42, lateFraction: 0.1, hostileFraction: 0.05, wildTypes: wildTypes)
        var created = 0, appId = 0, saasId = 0
        for index in 0..<count {
            let record = generator.make(stream: .backlog, index: index, created: 1_700_000_000_000 + Int64(index))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.json)) as? [String: Any])
            // A JSON string stays a String in JSONSerialization's output; a number is an NSNumber.
            func isInteger(_ key: String) -> Bool {
                guard !(object[key] is String), let number = object[key] as? NSNumber else { return false }
                return number.doubleValue == Double(number.int64Value)
            }
            if !isInteger("created") { created += 1 }
            if !isInteger("appId") { appId += 1 }
            if !isInteger("saasId") { saasId += 1 }
        }
        return (created, appId, saasId)
    }

    @Test func byDefaultCreatedAndAppIdAreAlwaysIntegers() throws {
        let counts = try nonIntegers(wildTypes: false)
        #expect(counts.created == 0)
        #expect(counts.appId == 0)
        #expect(counts.saasId > 0, "the real API's own variance stays")
    }

    @Test func wildTypesServeThemAsStringsSometimes() throws {
        let counts = try nonIntegers(wildTypes: true)
        #expect(counts.created > 0)
        #expect(counts.appId > 0)
    }
}
