import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Simulator

/// A minimal HTTP client over URLSession for talking to the in-process simulator.
struct TestHTTP {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 30
        return URLSession(configuration: config)
    }()

    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Reply {
        guard let u = URL(string: url) else { throw URLError(.badURL) }
        var request = URLRequest(url: u)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h["\(k)"] = "\(v)" }
        return Reply(status: http.statusCode, headers: h, body: data)
    }

    /// POST a scan request with `filters` (raw JSON) and `limit`, legacy token auth.
    static func scan(_ server: SimulatorServer, filtersJSON: String = "{}", limit: Int = 500,
                     auth: String = "Token sim-token") async throws -> Reply {
        let body = #"{"filters":\#(filtersJSON),"isScan":true,"sortField":"created","sortDirection":"asc","limit":\#(limit)}"#
        return try await send("POST", server.baseURL + "/api/v1/activities/",
                              headers: ["Authorization": auth, "Content-Type": "application/json"], body: Data(body.utf8))
    }
}

/// `created` as a number or a numeric string (the simulator sends both, like the service).
func createdMs(_ record: [String: Any]) -> Int64? {
    if let s = record["created"] as? String { return Int64(s) }
    return (record["created"] as? NSNumber)?.int64Value
}

/// A started in-process simulator on a free loopback port; stopped by the caller.
func startSimulator(_ configure: (inout SimulatorOptions) -> Void = { _ in }) async throws -> SimulatorServer {
    var options = SimulatorOptions(port: 0, activities: 200)
    configure(&options)
    let server = SimulatorServer(options: options)
    _ = try await server.start()
    return server
}

/// The stored JSON of one activity, decoded.
func storedRecord(_ server: SimulatorServer, _ id: String) async throws -> [String: Any] {
    let bytes = await server.activity(id: id) ?? []
    guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        throw URLError(.cannotParseResponse)
    }
    return object
}
