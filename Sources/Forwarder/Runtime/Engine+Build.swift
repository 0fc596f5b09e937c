import Checkpoint
import Curl
import Formats
import Foundation
import Logging
import MDCA
import Outputs

extension Engine {
    /// Builds the scan client, outputs and encoders of one configuration. Secrets are read
    /// here (once per start or reload) and live only inside the authenticator.
    static func build(
        config: ForwarderConfig, environment: [String: String], core: ActivityCore, alerts alertCore: AlertCore? = nil, writer: StateWriter,
        mode: ForwarderService.Mode, permit: any SendPermit = AlwaysPermit(), lifetime: Lifetime, generation: Int, logger: Logger
    ) throws(ForwarderError) -> Components {
        let scan = try makeScanClient(config: config, environment: environment, mode: mode, clock: core.clock,
                                      pacer: lifetime.pacer(requestsPerMinute: config.tenant.requestsPerMinute, clock: core.clock), logger: logger)
        var slots: [Delivery.Slot] = []
        for settings in config.outputs {
            let output: any Output
            do throws(OutputError) {
                output = try makeOutput(outputConfig(settings))
            } catch {
                throw .outputUnavailable(output: settings.name, underlying: "\(error)", failureKind: error.failureKind)
            }
            slots.append(Delivery.Slot(output: output, encoder: MessageEncoder(options: messageOptions(settings, tenantURL: config.tenant.url))))
        }
        let delivery = Delivery(slots: slots, logger: logger,
                                giveUpAfter: mode == .once ? try onceGiveUp(environment: environment) ?? .seconds(120) : nil,
                                shutdownDeadline: lifetime.shutdown, permit: permit, board: lifetime.board,
                                reloads: lifetime.reloads, generation: generation)
        let allowance = requestAllowance(config)
        // One ScanClient for every stream: one pacer per tenant (PRODUCT §3).
        var streams: [any StreamRunning] = [StreamEngine(
            core: core,
            source: ActivitySource(url: scan.listURL, filters: config.activities.filters, pageSize: config.activities.pageSize),
            fetcher: scan, delivery: delivery, writer: writer,
            settings: .init(settleTime: config.activities.settleTime, checkpointEvery: config.activities.checkpointEvery,
                            fetchAllowance: allowance))]
        if let alertCore {
            streams.append(StreamEngine(
                core: alertCore,
                source: AlertSource(url: scan.alertsURL, filters: config.alerts.filters, overlapMs: config.alerts.overlapMs,
                                    resolutions: config.alerts.resolutions),
                fetcher: scan, delivery: delivery, writer: writer,
                settings: .init(settleTime: config.activities.settleTime, fetchAllowance: allowance)))
        }
        return Components(streams: streams, delivery: delivery, generation: generation)
    }

    /// How long one API request may take, a wait for the tenant's request budget included,
    /// before the stream counts as wedged (a retry announces its own wait on top).
    public static func requestAllowance(_ config: ForwarderConfig) -> Duration {
        // Pacing never holds a request longer than one 60 s window.
        config.tenant.requestTimeout + .seconds(90)
    }

    static func makeScanClient(
        config: ForwarderConfig, environment: [String: String], mode: ForwarderService.Mode,
        clock: any PacingClock = SystemPacingClock(), pacer: Pacer? = nil, logger: Logger
    ) throws(ForwarderError) -> ScanClient {
        var options = HTTPClientOptions()
        options.totalTimeout = config.tenant.requestTimeout
        options.proxy = config.tenant.proxy
        options.caFile = config.tenant.caFile
        options.userAgent = "mdca-forwarder/\(ForwarderVersion.string)"
        let http: HTTPClient
        do {
            http = try HTTPClient(options: options)
        } catch {
            throw .other("cannot set up the HTTP client for \(config.tenant.url): \(error)")
        }
        let authenticator = try makeAuthenticator(config.tenant.auth, environment: environment, http: http, logger: logger)
        // `run` never gives up on the API (the service comes back; the cursor waits);
        // `once` and `test` must end, with exit 69, when it stays unreachable.
        let retry: RetryPolicy = switch (mode, try onceGiveUp(environment: environment)) {
        case (.run, _): .forever(clock: clock)
        case (.once, nil): .bounded(clock: clock)
        case (.once, let limit?): .bounded(elapsed: limit, clock: clock)
        }
        return ScanClient(
            baseURL: config.tenant.url, authenticator: authenticator, http: http,
            pacer: pacer ?? Pacer(requestsPerMinute: config.tenant.requestsPerMinute, clock: clock), logger: logger, retry: retry)
    }

    /// The name of the variable that shortens how long `once` and `test` keep retrying an
    /// unreachable API or output before exiting 69 (default: the API 10 minutes or 8
    /// attempts, an output 2 minutes). For scripts that prefer failing fast, and for tests.
    public static let onceGiveUpVariable = "MDCA_FORWARDER_ONCE_GIVE_UP"

    /// `MDCA_FORWARDER_ONCE_GIVE_UP` as a duration (`30s`, `2m`), nil when unset; a value
    /// that is not a duration is a usage error (exit 64), never silently ignored.
    static func onceGiveUp(environment: [String: String]) throws(ForwarderError) -> Duration? {
        guard let text = environment[onceGiveUpVariable], !text.isEmpty else { return nil }
        guard let limit = DurationText.parse(text) else {
            throw .usage("\(onceGiveUpVariable)='\(text)': expected \(DurationText.expected)")
        }
        return limit
    }

    static func makeAuthenticator(
        _ auth: AuthConfig, environment: [String: String], http: HTTPClient, logger: Logger
    ) throws(ForwarderError) -> any Authenticator {
        do {
            switch auth {
            case .tokenFile(let path):
                return TokenAuthenticator(token: try SecretSource.file(path).load(environment: environment))
            case .tokenEnv(let name):
                return TokenAuthenticator(token: try SecretSource.environment(name).load(environment: environment))
            case .entra(let tenantID, let clientID, let secretRef, let authority):
                let source: SecretSource = switch secretRef {
                case .file(let path): .file(path)
                case .env(let name): .environment(name)
                }
                return EntraAuthenticator(
                    tenantID: tenantID, clientID: clientID, clientSecret: try source.load(environment: environment),
                    authority: authority, http: http, logger: logger)
            }
        } catch {
            throw .secret("\(error)")
        }
    }

    static func outputConfig(_ settings: OutputSettings) -> OutputConfig {
        OutputConfig(
            name: settings.name, url: settings.url,
            framing: settings.framing,
            maxMessageBytes: settings.maxMessageBytes,
            tls: settings.tls,
            relp: settings.relp, kafka: settings.kafka)
    }

    static func messageOptions(_ settings: OutputSettings, tenantURL: String) -> MessageOptions {
        MessageOptions(
            format: settings.format,
            syslog: settings.syslog,
            facility: settings.facility,
            severity: settings.severity,
            hostname: settings.hostname ?? HostName.current,
            appName: settings.appName,
            processID: String(ProcessInfo.processInfo.processIdentifier),
            maxMessageBytes: settings.maxMessageBytes,
            cef: CEFOptions(
                vendor: settings.cef.vendor ?? "MCAS", product: settings.cef.product ?? "SIEM_Agent",
                version: settings.cef.version ?? ForwarderVersion.string, portalURL: tenantURL))
    }
}

/// The host's name for syslog HOSTNAME, read once (formatters never ask the system).
enum HostName {
    static let current: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "-" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
