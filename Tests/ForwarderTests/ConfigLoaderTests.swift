@testable import Forwarder
import Foundation
import Logging
import MDCA
import Testing

@Suite struct ConfigLoaderTests {
    /// The example of PRODUCT §6, with a real token file and without the placeholder tls block.
    static let productExample = """
    tenant:
      url: https://contoso.eu2.portal.cloudappsecurity.com  # https; plain http only for loopback hosts
      auth:                        # exactly one of token_file, token_env, entra
        token_file: TOKEN
        # token_env: MDCA_API_TOKEN
      ca_file: /etc/ssl/certs/ca-certificates.crt   # optional
      proxy: http://proxy.example:3128              # optional; HTTPS_PROXY/NO_PROXY also honoured
      requests_per_minute: 30
      request_timeout: 120s
    activities:
      filters: {}                  # extra filters, checked against the documented table
      page_size: 5000              # 500..5000
      poll_interval: 60s
      settle_time: 60s
      initial_lookback: 2d
      checkpoint_every: 1000
    state:
      path: /var/lib/mdca-forwarder/state.json   # default: $STATE_DIRECTORY/state.json, else this
    outputs:
      - name: siem
        url: tcp://siem.example.com:514        # udp:// tcp:// tls:// file:// stdout:
        format: cef                            # cef | json
        syslog: rfc5424                        # rfc5424 | rfc3164 | none
        framing: lf                            # lf | octet-counting (tcp, tls)
        facility: local0
        max_message_bytes: 8192                # udp default 2048
    log:
      level: info                              # journald when run by systemd, stderr otherwise
    """

    @Test func productExampleLoads() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(Self.productExample)
        #expect(config.sourcePath == fixture.configPath)
        #expect(config.tenant == TenantConfig(
            url: "https://contoso.eu2.portal.cloudappsecurity.com", auth: .tokenFile(path: fixture.tokenPath),
            caFile: "/etc/ssl/certs/ca-certificates.crt", proxy: "http://proxy.example:3128",
            requestsPerMinute: 30, requestTimeout: .seconds(120)))
        #expect(config.activities == ActivitiesConfig())
        #expect(config.state.path == "/var/lib/mdca-forwarder/state.json")
        #expect(config.outputs == [OutputSettings(name: "siem", url: "tcp://siem.example.com:514",
                                                  endpoint: .tcp(host: "siem.example.com", port: 514))])
        #expect(config.log.level == .info)
    }

    /// The `alerts:` block of PRODUCT §9 as written there, and its defaults.
    @Test func alertsSectionOfTheProduct() throws {
        let fixture = try ConfigFixture()
        #expect(try fixture.load(ConfigFixture.minimal()).alerts == AlertsConfig())
        let config = try fixture.load(ConfigFixture.minimal(more: """
            alerts:
              enabled: true         # true: forward alerts too, through the same outputs
              filters:              # checked against the documented alert filter table
                severity: {eq: [1, 2]}
                alertOpen: {EQ: true}
              initial_lookback: 3d
              resolutions: true     # true: send an alert once more when it is closed
              overlap: 15m          # re-read behind the cursor for alerts that appear late

            """))
        #expect(config.alerts == AlertsConfig(
            enabled: true,
            filters: ["severity": .object(["eq": .array([.int(1), .int(2)])]), "alertOpen": .object(["eq": .bool(true)])],
            initialLookback: .seconds(3 * 86_400), resolutions: true, overlap: .seconds(900)))
        #expect(config.alerts.overlapMs == 900_000 && config.alerts.initialLookbackMs == 259_200_000)
        let text = config.renderEffective()
        #expect(text.contains("alerts:\n  enabled: true\n  filters: {\"alertOpen\":{\"eq\":true},\"severity\":{\"eq\":[1,2]}}\n"))
        #expect(text.contains("  initial_lookback: 3d\n  resolutions: true\n  overlap: 15m\n"))
    }

    @Test func defaultsOfAMinimalFile() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal(), environment: ["STATE_DIRECTORY": "/var/lib/a:/var/lib/b"])
        #expect(config.tenant.requestsPerMinute == 30)
        #expect(config.tenant.requestTimeout == .seconds(120))
        #expect(config.activities.filters.isEmpty)
        #expect(config.activities.pageSize == 5000)
        #expect(config.activities.pollInterval == .seconds(60))
        #expect(config.activities.settleTime == .seconds(60))
        #expect(config.activities.initialLookback == .seconds(172_800))
        #expect(config.activities.checkpointEvery == 1000)
        #expect(config.state.path == "/var/lib/a/state.json")
        let output = try #require(config.outputs.first)
        #expect(output.format == .cef && output.syslog == .rfc5424 && output.framing == .lf)
        #expect(output.facility == .local0 && output.severity == .info && output.maxMessageBytes == 8192)
        #expect(output.appName == "mdca-forwarder" && output.hostname == nil && output.tls == nil)
        #expect(config.log.level == .info)
    }

    @Test func stateDirectoryFallback() {
        #expect(StateConfig.defaultPath(environment: [:]) == "/var/lib/mdca-forwarder/state.json")
        #expect(StateConfig.defaultPath(environment: ["STATE_DIRECTORY": "/var/lib/x/"]) == "/var/lib/x/state.json")
    }

    @Test func perSchemeOutputDefaults() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal(more: """
              - {name: u, url: "udp://[::1]:514"}
              - {name: t, url: "tls://siem.example.com:6514", tls: {server_name: siem.example.com}}
              - {name: f, url: "file:///var/log/mdca.log", format: json, syslog: none}
              - {name: o, url: "stdout:", severity: warning, facility: auth}
            """))
        let outputs = config.outputs
        #expect(outputs.map(\.endpoint) == [.tcp(host: "siem.example.com", port: 514), .udp(host: "::1", port: 514),
                                            .tls(host: "siem.example.com", port: 6514), .file(path: "/var/log/mdca.log"), .stdout])
        #expect(outputs.map(\.framing) == [.lf, nil, .octetCounting, nil, nil])
        #expect(outputs.map(\.maxMessageBytes) == [8192, 2048, 8192, 8192, 8192])
        #expect(outputs[2].tls == OutputSettings.TLSSettings(serverName: "siem.example.com"))
        #expect(outputs[3].format == .json && outputs[3].syslog == OutputSettings.SyslogHeader.none)
        #expect(outputs[4].severity == .warning && outputs[4].facility == .auth)
        #expect(outputs.allSatisfy { $0.relp == nil })
    }

    /// relp://: plain TCP unless a tls block is given; the relp block's defaults.
    @Test func relpOutputs() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal(more: """
              - {name: r, url: "relp://siem.example.com:2514"}
              - {name: rt, url: "relp://siem.example.com:2515", tls: {server_name: siem}, relp: {window: 1024, timeout: 5s}}
            """))
        let outputs = Array(config.outputs.dropFirst())
        #expect(outputs.map(\.endpoint) == [.relp(host: "siem.example.com", port: 2514), .relp(host: "siem.example.com", port: 2515)])
        #expect(outputs.map(\.framing) == [nil, nil])
        #expect(outputs[0].tls == nil)
        #expect(outputs[0].relp == OutputSettings.RELPSettings(window: 128, timeout: .seconds(30)))
        #expect(outputs[1].tls == OutputSettings.TLSSettings(serverName: "siem"))
        #expect(outputs[1].relp == OutputSettings.RELPSettings(window: 1024, timeout: .seconds(5)))
    }

    @Test func entraAuthWithDefaultAuthority() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load("""
            tenant:
              url: https://contoso.us2.portal.cloudappsecurity.com
              auth:
                entra:
                  tenant_id: contoso.onmicrosoft.com
                  client_id: 11111111-2222-3333-4444-555555555555
                  client_secret_env: MDCA_CLIENT_SECRET
            outputs: [{name: o, url: "stdout:"}]
            """, environment: ["MDCA_CLIENT_SECRET": ConfigFixture.secret])
        #expect(config.tenant.auth == .entra(tenantID: "contoso.onmicrosoft.com", clientID: "11111111-2222-3333-4444-555555555555",
                                             secret: .env(name: "MDCA_CLIENT_SECRET"), authority: AuthConfig.defaultAuthority))
    }

    /// A dry run against `mdca-simulator --client-id …` needs a plain-http loopback authority,
    /// allowed exactly as for tenant.url.
    @Test(arguments: ["http://127.0.0.1:8443", "http://localhost:9", "http://[::1]:8443/"])
    func entraAuthorityOverLoopbackHTTP(authority: String) throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load("""
            tenant:
              url: http://127.0.0.1:8443
              auth:
                entra:
                  tenant_id: contoso.onmicrosoft.com
                  client_id: 11111111-2222-3333-4444-555555555555
                  client_secret_file: TOKEN
                  authority: "\(authority)"
            outputs: [{name: o, url: "stdout:"}]
            """)
        guard case .entra(_, _, _, let loaded) = config.tenant.auth else {
            Issue.record("expected entra auth, got \(config.tenant.auth)")
            return
        }
        #expect(loaded == (authority.hasSuffix("/") ? String(authority.dropLast()) : authority))
    }

    @Test func filtersAreValidatedOnceAndStoredAsSent() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(ConfigFixture.minimal(activities: """
            filters:
              service: {eq: [11161, 11770]}
              userAgent.userAgent: {ncontains: ["login", "yes"]}
              ip.address: {isset: true}
            """))
        let json = String(decoding: FilterValue.object(config.activities.filters).jsonBytes(), as: UTF8.self)
        #expect(json == #"{"ip.address":{"isset":true},"service":{"eq":[11161,11770]},"userAgent.userAgent":{"ncontains":["login","yes"]}}"#)
    }

    @Test func emptyFiltersMeanNone() throws {
        let fixture = try ConfigFixture()
        #expect(try fixture.load(ConfigFixture.minimal(activities: "filters: {}")).activities.filters.isEmpty)
    }

    @Test func configPathOverride() {
        #expect(ConfigLoader.defaultPath(environment: [:]) == "/etc/mdca-forwarder/config.yaml")
        #expect(ConfigLoader.defaultPath(environment: ["MDCA_FORWARDER_CONFIG": "/srv/t1.yaml"]) == "/srv/t1.yaml")
        #expect(ConfigLoader.defaultPath(environment: ["MDCA_FORWARDER_CONFIG": ""]) == "/etc/mdca-forwarder/config.yaml")
    }

    @Test func missingFileIsAConfigErrorNamingThePath() throws {
        let fixture = try ConfigFixture()
        let path = fixture.directory + "/absent.yaml"
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path, environment: [:]) }
        #expect(error.exitCode == 78)
        #expect(error.description.contains(path))
        #expect(error.description.contains("No such file or directory"))
    }

    @Test(arguments: [("localhost", true), ("127.0.0.1", true), ("127.8.9.10", true), ("[::1]", true),
                      ("128.0.0.1", false), ("10.0.0.1", false), ("example.com", false), ("[::2]", false),
                      ("localhost.example.com", false)])
    func plainHTTPOnlyForLoopback(host: String, allowed: Bool) throws {
        let fixture = try ConfigFixture()
        let yaml = ConfigFixture.minimal().replacingOccurrences(
            of: "https://contoso.eu2.portal.cloudappsecurity.com", with: "http://\(host):8080")
        if allowed {
            #expect(try fixture.load(yaml).tenant.url == "http://\(host):8080")
        } else {
            let error = try #require(throws: ConfigError.self) { try fixture.load(yaml) }
            #expect(error.description.contains("tenant.url: plain http is allowed only for loopback hosts"))
        }
    }
}
