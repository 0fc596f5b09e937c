@testable import Forwarder
import Foundation
import MDCA
import Testing

@Suite struct ConfigRenderTests {
    @Test func effectiveConfigHasDefaultsAndNoSecret() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal())
        let text = config.renderEffective()
        #expect(!text.contains(ConfigFixture.secret))
        #expect(text.contains("token_file: \"\(fixture.tokenPath)\""), "paths are not secrets and are shown")
        for expected in ["requests_per_minute: 30", "request_timeout: 2m", "page_size: 5000", "poll_interval: 1m",
                         "initial_lookback: 2d", "checkpoint_every: 1000", "framing: lf", "facility: local0",
                         "severity: info", "max_message_bytes: 8192", "level: info"] {
            #expect(text.contains(expected), "\(expected)")
        }
    }

    @Test func entraEnvironmentSecretNeverRendered() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load("""
            tenant:
              url: https://contoso.eu2.portal.cloudappsecurity.com
              auth: {entra: {tenant_id: t1, client_id: 11111111-2222-3333-4444-555555555555, client_secret_env: CS}}
              proxy: "http://user:\(ConfigFixture.secret)@proxy.example:3128"
            outputs: [{url: "stdout:"}]
            """, environment: ["CS": ConfigFixture.secret])
        let text = config.renderEffective()
        #expect(!text.contains(ConfigFixture.secret))
        #expect(text.contains("client_secret_env: \"CS\""))
        #expect(text.contains("proxy: \"http://user:REDACTED@proxy.example:3128\""))
        #expect(text.contains("name: \"output-0\""))
    }

    /// What `check-config` prints is itself a valid configuration meaning the same thing.
    @Test func renderingLoadsBackToTheSameConfiguration() throws {
        let fixture = try ConfigFixture()
        let original = try fixture.load(ConfigFixture.minimal(
            tenant: "request_timeout: 1h30m",
            activities: "filters: {service: {eq: [11161]}, user.username: {startswith: [\"a\\\"b\"]}}\npoll_interval: 1500ms",
            more: """
              - {name: t, url: "tls://[::1]:6514", facility: solaris-cron, severity: err, hostname: h1, app_name: a,
                 tls: {ca_file: /etc/ssl/certs/ca-certificates.crt, server_name: s}, cef: {vendor: V, product: "P|Q"}}
              - {name: u, url: "udp://127.0.0.1:514", syslog: rfc3164, max_message_bytes: 1200}
              - {name: r, url: "relp://siem:2514", relp: {window: 512, timeout: 1m}}
              - {name: rt, url: "relp://siem:2515", tls: {server_name: s}}
            alerts:
              enabled: true
              filters: {severity: {NEQ: [0]}, entity.service: {eq: [11161]}}
              resolutions: true
              overlap: 0s
            """))
        #expect(original.alerts.filters["severity"] == .object(["neq": .array([.int(0)])]))
        let rendered = original.renderEffective()
        let reloaded = try fixture.load(rendered)
        #expect(reloaded == original, "\(rendered)")
    }
}
