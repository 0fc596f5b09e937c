import ActivityJSON
import Foundation
import MDCA
import Simulator
import Testing

/// The Alerts API through ScanClient against the in-process simulator (real HTTP). Whole
/// alert windows with dedupe and cursors: ForwarderTests/Alerts/AlertSimulatorTests.
@Suite struct AlertSimulatorTests {
    @Test func fetchOneAlertAndRefusedFiltersAreBadRequests() async throws {
        try await withSimulator(SimulatorOptions(activities: 0, alerts: 20)) { server in
            let client = try makeClient(server)
            let id = try #require(await server.allAlertIDs().last)
            let alert = try await client.fetchAlert(id: id)
            #expect(alert.id == id)
            #expect(Array(alert.rawJSON) == (await server.alert(id: id)))
            let error = await #expect(throws: APIError.self) {
                _ = try await client.fetchAlertPage(filtersJSON: Array(#"{"date":{"gt":1}}"#.utf8), limit: 100, skip: 0)
            }
            guard case .badRequest? = error else { Issue.record("expected 400, got \(String(describing: error))"); return }
            #expect(error?.description.contains("Operator gt is not allowed for filter date") == true, "\(String(describing: error))")
            #expect(error?.description.contains("check alerts.filters in the configuration") == true)
        }
    }
}
