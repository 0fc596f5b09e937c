import Foundation
import MDCA

extension ForwarderConfig {
    /// The effective configuration as YAML, defaults filled in, for `check-config`.
    ///
    /// Secrets cannot appear: the model holds only where secrets live (file paths, environment
    /// variable names), and nothing here reads a secret file or variable. The one place a
    /// credential can hide in a value, a proxy URL's `user:password@`, is redacted. The output
    /// loads back to the same configuration (except a redacted proxy password).
    public func renderEffective() -> String {
        var lines = ["# effective configuration of \(sourcePath) (defaults filled in; secrets are never shown)"]
        lines.append("tenant:")
        lines.append("  url: \(q(tenant.url))")
        lines.append("  auth:")
        switch tenant.auth {
        case .tokenFile(let path):
            lines.append("    token_file: \(q(path))")
        case .tokenEnv(let name):
            lines.append("    token_env: \(q(name))")
        case .entra(let tenantID, let clientID, let secret, let authority):
            lines.append("    entra:")
            lines.append("      tenant_id: \(q(tenantID))")
            lines.append("      client_id: \(q(clientID))")
            switch secret {
            case .file(let path): lines.append("      client_secret_file: \(q(path))")
            case .env(let name): lines.append("      client_secret_env: \(q(name))")
            }
            lines.append("      authority: \(q(authority))")
        }
        if let caFile = tenant.caFile { lines.append("  ca_file: \(q(caFile))") }
        if let proxy = tenant.proxy { lines.append("  proxy: \(q(Self.redactingUserInfo(proxy)))") }
        lines.append("  requests_per_minute: \(tenant.requestsPerMinute)")
        lines.append("  request_timeout: \(DurationText.render(tenant.requestTimeout))")

        lines.append("activities:")
        lines.append("  filters: \(String(decoding: FilterValue.object(activities.filters).jsonBytes(), as: UTF8.self))")
        lines.append("  page_size: \(activities.pageSize)")
        lines.append("  poll_interval: \(DurationText.render(activities.pollInterval))")
        lines.append("  settle_time: \(DurationText.render(activities.settleTime))")
        lines.append("  initial_lookback: \(DurationText.render(activities.initialLookback))")
        lines.append("  checkpoint_every: \(activities.checkpointEvery)")

        lines.append("alerts:")
        lines.append("  enabled: \(alerts.enabled)")
        lines.append("  filters: \(String(decoding: FilterValue.object(alerts.filters).jsonBytes(), as: UTF8.self))")
        lines.append("  initial_lookback: \(DurationText.render(alerts.initialLookback))")
        lines.append("  resolutions: \(alerts.resolutions)")
        lines.append("  overlap: \(DurationText.render(alerts.overlap))")

        lines.append("state:")
        if let etcd = state.etcd {
            lines += Self.render(etcd)
        } else {
            lines.append("  path: \(q(state.path))")
        }

        lines.append("outputs:")
        for output in outputs { lines += Self.render(output) }

        lines.append("log:")
        lines.append("  level: \(log.level.rawValue)")
        if let metrics {
            lines.append("metrics:")
            lines.append("  listen: \(q(metrics.listen))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ output: OutputSettings) -> [String] {
        var lines = ["  - name: \(q(output.name))"]
        lines.append("    url: \(q(output.url))")
        lines.append("    format: \(output.format.rawValue)")
        lines.append("    syslog: \(output.syslog.rawValue)")
        if let framing = output.framing { lines.append("    framing: \(framing.rawValue)") }
        lines.append("    facility: \(output.facility.name)")
        lines.append("    severity: \(output.severity.name)")
        lines.append("    max_message_bytes: \(output.maxMessageBytes)")
        if let hostname = output.hostname { lines.append("    hostname: \(q(hostname))") }
        lines.append("    app_name: \(q(output.appName))")
        if let tls = output.tls {
            let fields = [("ca_file", tls.caFile), ("cert_file", tls.certFile), ("key_file", tls.keyFile), ("server_name", tls.serverName)]
                .compactMap { key, value in value.map { "\(key): \(q($0))" } }
            lines.append("    tls: {\(fields.joined(separator: ", "))}")
        }
        if let relp = output.relp {
            lines.append("    relp: {window: \(relp.window), timeout: \(DurationText.render(relp.timeout))}")
        }
        if let kafka = output.kafka { lines += render(kafka) }
        let cef = [("vendor", output.cef.vendor), ("product", output.cef.product), ("version", output.cef.version)]
            .compactMap { key, value in value.map { "\(key): \(q($0))" } }
        if !cef.isEmpty { lines.append("    cef: {\(cef.joined(separator: ", "))}") }
        return lines
    }

    /// The kafka block; the SASL password stays in its file (only the path is shown).
    private static func render(_ kafka: OutputSettings.KafkaSettings) -> [String] {
        var lines = ["    kafka:"]
        lines.append("      client_id: \(q(kafka.clientID))")
        lines.append("      compression: \(kafka.compression.rawValue)")
        lines.append("      delivery_timeout: \(DurationText.render(kafka.deliveryTimeout))")
        if let tls = kafka.tls {
            let fields = [("ca_file", tls.caFile), ("cert_file", tls.certFile), ("key_file", tls.keyFile)]
                .compactMap { key, value in value.map { "\(key): \(q($0))" } }
            lines.append("      tls: {\(fields.joined(separator: ", "))}")
        }
        if let sasl = kafka.sasl {
            lines.append("      sasl: {mechanism: \(sasl.mechanism.rawValue), username: \(q(sasl.username)), password_file: \(q(sasl.passwordFile))}")
        }
        return lines
    }

    /// `http://user:secret@proxy:3128` -> `http://user:REDACTED@proxy:3128`.
    static func redactingUserInfo(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "REDACTED"
        return parts.string ?? "REDACTED"
    }
}

/// A YAML double-quoted scalar (JSON string syntax is a subset of it).
extension ForwarderConfig {
    /// `state.etcd`, paths only (the password stays in its file).
    static func render(_ etcd: EtcdStateConfig) -> [String] {
        var lines = ["  etcd:", "    endpoints: [\(etcd.endpoints.map(q).joined(separator: ", "))]", "    key: \(q(etcd.key))",
                     "    lease: \(DurationText.render(etcd.lease))", "    instance: \(q(etcd.instance))"]
        if let username = etcd.username, let passwordFile = etcd.passwordFile {
            lines += ["    username: \(q(username))", "    password_file: \(q(passwordFile))"]
        }
        let tls = [("ca_file", etcd.caFile), ("cert_file", etcd.certFile), ("key_file", etcd.keyFile)].compactMap { key, value in
            value.map { "\(key): \(q($0))" }
        }
        if !tls.isEmpty { lines.append("    tls: {\(tls.joined(separator: ", "))}") }
        return lines
    }
}

private func q(_ text: String) -> String { ConfigValue.quoted(text) }
