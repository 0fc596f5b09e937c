#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import MDCA
import Yams

extension ConfigReader {
    func forwarderConfig(_ root: Node) throws(ConfigError) -> ForwarderConfig {
        let top = try mapping(root, at: "", allowed: ["tenant", "activities", "alerts", "state", "outputs", "log", "metrics"])
        let tenant = try tenantConfig(top.required("tenant", "a mapping with url and auth"))
        let activities = try top.value("activities").map { (node) throws(ConfigError) in try activitiesConfig(node) }
            ?? ActivitiesConfig()
        let alerts = try top.value("alerts").map { (node) throws(ConfigError) in try alertsConfig(node) } ?? AlertsConfig()
        var state = StateConfig(path: StateConfig.defaultPath(environment: environment))
        if let section = try top.mapping("state", allowed: ["path", "etcd"]) {
            state = try stateConfig(section, defaultPath: state.path)
        }
        let outputs = try outputSettings(top.required("outputs", "a sequence of outputs (name, url, …)"), at: top.path("outputs"))
        var log = LogConfig()
        if let section = try top.mapping("log", allowed: ["level"]) {
            let levels: [(String, Logger.Level)] = Logger.Level.allCases.map { ($0.rawValue, $0) }
            log.level = try section.choice("level", levels) ?? log.level
        }
        var config = ForwarderConfig(sourcePath: file, tenant: tenant, activities: activities, alerts: alerts, state: state,
                                     outputs: outputs, log: log)
        config.metrics = try top.value("metrics").map { (node) throws(ConfigError) in try metricsConfig(node) }
        return config
    }

    // MARK: tenant

    func tenantConfig(_ node: Node) throws(ConfigError) -> TenantConfig {
        let section = try mapping(node, at: "tenant", allowed: ["url", "auth", "ca_file", "proxy", "requests_per_minute", "request_timeout"])
        let url = try tenantURL(section)
        let auth = try authConfig(section.required("auth", "a mapping with exactly one of token_file, token_env, entra"))
        var tenant = TenantConfig(url: url, auth: auth)
        if let caFile = try section.string("ca_file", expected: "an absolute path to a PEM CA bundle") {
            if let problem = FileChecks.regularFileProblem(caFile) { throw section.error("ca_file", problem) }
            tenant.caFile = caFile
        }
        if let proxy = try section.string("proxy", expected: "a proxy URL like http://proxy.example:3128", echo: false) {
            let schemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]
            guard let parts = URLComponents(string: proxy), let scheme = parts.scheme?.lowercased(),
                  schemes.contains(scheme), parts.host?.isEmpty == false else {
                // The value may hold a proxy password: it is not repeated.
                throw section.error("proxy", "expected a proxy URL like http://proxy.example:3128 (schemes \(schemes.joined(separator: ", ")))")
            }
            // A proxy password is a secret like the token: scrubbed from any text from now on.
            if let password = parts.password { SecretScrubber.shared.register(password) }
            if let password = parts.percentEncodedPassword { SecretScrubber.shared.register(password) }
            tenant.proxy = proxy
        }
        tenant.requestsPerMinute = try section.int(
            "requests_per_minute", in: 1...30,
            why: "the service throttles at 30 requests per minute per tenant; lower it when other tools share the tenant's budget"
        ) ?? tenant.requestsPerMinute
        tenant.requestTimeout = try section.duration("request_timeout") ?? tenant.requestTimeout
        return tenant
    }

    private func tenantURL(_ section: MappingReader) throws(ConfigError) -> String {
        let expected = "the portal URL, e.g. https://contoso.eu2.portal.cloudappsecurity.com"
        let text = try section.requiredString("url", expected: expected)
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty else {
            throw section.error("url", "expected \(expected), got \(ConfigValue.quoted(text))")
        }
        guard parts.user == nil, parts.password == nil else {
            throw section.error("url", "must not contain credentials (user:password@); use tenant.auth")
        }
        guard parts.query == nil, parts.fragment == nil else {
            throw section.error("url", "expected \(expected) without query or fragment")
        }
        try requireHTTPS(section, "url", scheme: scheme, host: host)
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// https, or plain http to a loopback host (a local simulator or test double), for every
    /// URL a secret is sent to: tenant.url and the Entra authority alike.
    private func requireHTTPS(_ section: MappingReader, _ key: String, scheme: String, host: String) throws(ConfigError) {
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) else {
                throw section.error(key, "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost), got host \(host); use https")
            }
        default:
            throw section.error(key, "expected an https URL (http only for loopback hosts), got scheme \(scheme)")
        }
    }

    /// 127.0.0.0/8, ::1 or `localhost` — the only hosts where plain http cannot leave the machine.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) } == [UInt8](repeating: 0, count: 15) + [1]
        }
        return false
    }

    // MARK: auth

    func authConfig(_ node: Node) throws(ConfigError) -> AuthConfig {
        let kinds = ["token_file", "token_env", "entra"]
        let section = try mapping(node, at: "tenant.auth", allowed: kinds)
        let present = kinds.filter(section.has)
        guard present.count == 1 else {
            let got = present.isEmpty ? "none" : present.joined(separator: " and ")
            throw error("tenant.auth", at: node, "expected exactly one of token_file, token_env, entra; got \(got)")
        }
        switch present[0] {
        case "token_file": return .tokenFile(path: try secretFile(section, "token_file"))
        case "token_env": return .tokenEnv(name: try secretEnv(section, "token_env"))
        default: return try entraConfig(section.required("entra", "a mapping"))
        }
    }

    private func entraConfig(_ node: Node) throws(ConfigError) -> AuthConfig {
        let section = try mapping(node, at: "tenant.auth.entra",
                                  allowed: ["tenant_id", "client_id", "client_secret_file", "client_secret_env", "authority"])
        let tenantID = try section.requiredString("tenant_id", expected: "the directory (tenant) ID, a GUID or a domain like contoso.onmicrosoft.com")
        guard tenantID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw section.error("tenant_id", "expected a GUID or a domain like contoso.onmicrosoft.com")
        }
        let clientID = try section.requiredString("client_id", expected: "the application (client) ID, a GUID")
        guard UUID(uuidString: clientID) != nil else {
            throw section.error("client_id", "expected the application (client) ID, a GUID like 00000000-0000-0000-0000-000000000000")
        }
        let secret: SecretRef
        switch (section.has("client_secret_file"), section.has("client_secret_env")) {
        case (true, false): secret = .file(path: try secretFile(section, "client_secret_file"))
        case (false, true): secret = .env(name: try secretEnv(section, "client_secret_env"))
        case (true, true):
            throw error(section.keyPath, at: node, "expected exactly one of client_secret_file, client_secret_env; got both")
        case (false, false):
            throw error(section.keyPath, at: node, "expected exactly one of client_secret_file, client_secret_env; got none")
        }
        var authority = try section.string("authority", expected: "an https URL like \(AuthConfig.defaultAuthority)") ?? AuthConfig.defaultAuthority
        guard let parts = URLComponents(string: authority), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty, parts.user == nil, parts.password == nil else {
            throw section.error("authority", "expected an https URL like \(AuthConfig.defaultAuthority) (GCC High: https://login.microsoftonline.us), got \(ConfigValue.quoted(authority))")
        }
        try requireHTTPS(section, "authority", scheme: scheme, host: host)
        if authority.hasSuffix("/") { authority.removeLast() }
        return .entra(tenantID: tenantID, clientID: clientID, secret: secret, authority: authority)
    }

    /// A secret file path: absolute, a regular file, no group/other permissions. The value is
    /// echoed only once it looks like a path (a pasted token must not land in the journal).
    func secretFile(_ section: MappingReader, _ key: String) throws(ConfigError) -> String {
        let path = try section.requiredString(key, expected: "an absolute path to a file holding the secret", echo: false)
        guard path.hasPrefix("/") else {
            throw section.error(key, "expected an absolute path to a file holding the secret (the value itself is not shown)")
        }
        if checkSecrets {
            if let problem = FileChecks.secretFileProblem(path) { throw section.error(key, problem) }
            // The content too: an empty or multi-line secret would otherwise pass here and fail
            // later with a message naming neither the file nor the key.
            do throws(SecretSourceError) {
                _ = try SecretSource.file(path).load()
            } catch {
                throw section.error(key, error.description)
            }
        }
        return path
    }

    /// A secret environment variable name: a shell identifier, set and non-empty.
    private func secretEnv(_ section: MappingReader, _ key: String) throws(ConfigError) -> String {
        let expected = "the name of an environment variable holding the secret, like MDCA_API_TOKEN"
        let name = try section.requiredString(key, expected: expected, echo: false)
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
              name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
            throw section.error(key, "expected \(expected) (letters, digits, _; the value itself is not shown)")
        }
        guard !checkSecrets || !(environment[name] ?? "").isEmpty else {
            throw section.error(key, "the environment variable \(name) is not set or empty")
        }
        if checkSecrets, let value = environment[name], let problem = SecretSource.problem(value) {
            throw section.error(key, "the environment variable \(name) \(problem)")
        }
        return name
    }

    // MARK: activities

    func activitiesConfig(_ node: Node) throws(ConfigError) -> ActivitiesConfig {
        let section = try mapping(node, at: "activities",
                                  allowed: ["filters", "page_size", "poll_interval", "settle_time", "initial_lookback", "checkpoint_every"])
        var activities = ActivitiesConfig()
        if let filters = section.value("filters") {
            guard case .mapping(let mapping) = filters else {
                throw section.error("filters", "expected a mapping of field: {operator: value}, got \(filters.kindDescription)")
            }
            if !mapping.isEmpty {
                // Validated once, here, and stored as sent: nothing re-validates (or could
                // silently drop) them later.
                activities.filters = try validateFilters(filters.configValue, node: filters, keyPath: section.path("filters"))
            }
        }
        activities.pageSize = try section.int("page_size", in: 500...5000, why: "the Activities API's scan limit") ?? activities.pageSize
        activities.pollInterval = try section.duration("poll_interval") ?? activities.pollInterval
        activities.settleTime = try section.duration("settle_time") ?? activities.settleTime
        activities.initialLookback = try section.duration("initial_lookback") ?? activities.initialLookback
        activities.checkpointEvery = try section.int("checkpoint_every", in: 1...Int.max, why: "records between checkpoints") ?? activities.checkpointEvery
        return activities
    }

    // MARK: alerts

    /// `alerts:` (PRODUCT §9); the filters are checked against the documented alert table.
    func alertsConfig(_ node: Node) throws(ConfigError) -> AlertsConfig {
        let section = try mapping(node, at: "alerts", allowed: ["enabled", "filters", "initial_lookback", "resolutions", "overlap"])
        var alerts = AlertsConfig()
        alerts.enabled = try section.bool("enabled") ?? alerts.enabled
        if let filters = section.value("filters") {
            guard case .mapping = filters else {
                throw section.error("filters", "expected a mapping of field: {operator: value}, got \(filters.kindDescription)")
            }
            alerts.filters = try validateFilters(filters.configValue, node: filters, keyPath: section.path("filters"),
                                                 schema: AlertFilterTable.schema)
        }
        alerts.initialLookback = try section.duration("initial_lookback") ?? alerts.initialLookback
        alerts.resolutions = try section.bool("resolutions") ?? alerts.resolutions
        alerts.overlap = try section.duration("overlap", allowZero: true) ?? alerts.overlap
        return alerts
    }
}
