import Foundation
import Logging
import MDCA
import Outputs

extension Commands {
    /// `test`: one authenticated API call and a connection to each output, a line per check.
    /// Exit 0 when all pass; else the code of the first failure (78 configuration, e.g. an
    /// untrusted certificate or an empty secret; 77 credentials; 69 unreachable).
    public static func test(configPath: String?) async -> Int32 {
        let config: ForwarderConfig
        switch loadConfig(configPath) {
        case .success(let loaded): config = loaded.0
        case .failure(let error): return fail(error, code: error.exitCode)
        }
        var logger = Logger(label: "mdca-forwarder.test")
        logger.logLevel = .error
        var exitCode: Int32 = 0
        func record(_ name: String, _ outcome: Result<String, ForwarderError>) {
            switch outcome {
            case .success(let detail):
                print("ok    \(name): \(detail)")
            case .failure(let error):
                print("FAIL  \(name): \(error)")
                if exitCode == 0 { exitCode = error.exitCode == 0 ? 1 : error.exitCode }
            }
        }

        record("api \(config.tenant.url)", await checkAPI(config, logger: logger))
        for settings in config.outputs {
            record("output \(settings.name) \(settings.url)", await checkOutput(settings))
        }
        return exitCode
    }

    static func checkAPI(_ config: ForwarderConfig, logger: Logger) async -> Result<String, ForwarderError> {
        do {
            let client = try Engine.makeScanClient(config: config, environment: environment, mode: .once, logger: logger)
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            var session = client.scan(from: nowMs - 3_600_000, until: nowMs, configuredFilters: config.activities.filters,
                                      limit: ScanRequest.limitRange.lowerBound)
            let page = try await session.next(using: client)
            let count = page?.total ?? page?.records.count ?? 0
            return .success("authenticated; \(count) activities created in the last hour match the filters")
        } catch let error as ForwarderError {
            return .failure(error)
        } catch let error as APIError {
            return .failure(.api(error))
        } catch {
            return .failure(.other("\(error)"))
        }
    }

    static func checkOutput(_ settings: OutputSettings) async -> Result<String, ForwarderError> {
        do throws(OutputError) {
            let output = try makeOutput(Engine.outputConfig(settings))
            try await output.probe()
            await output.shutdown()
            return .success("connected")
        } catch {
            return .failure(.outputUnavailable(output: settings.name, underlying: "\(error)", failureKind: error.failureKind))
        }
    }
}
