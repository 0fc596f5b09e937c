@testable import Forwarder
import Foundation
import Testing

/// `state.etcd` (PRODUCT §13): what is accepted, and every refusal exits 78 naming the key.
@Suite struct EtcdConfigTests {
    static func yaml(_ etcd: String, path: Bool = false) -> String {
        ConfigFixture.minimal(more: "state:\n" + (path ? "  path: /var/lib/x/state.json\n" : "") + "  etcd:\n"
            + etcd.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n")
    }

    static let loopback = "endpoints: [http://127.0.0.1:2379, http://127.0.0.1:22379]\nkey: /mdca-forwarder/contoso"

    @Test func acceptsAMinimalSectionWithDefaults() throws {
        let fixture = try ConfigFixture()
        let config = try fixture.load(Self.yaml(Self.loopback))
        let etcd = try #require(config.state.etcd)
        #expect(etcd.endpoints == ["http://127.0.0.1:2379", "http://127.0.0.1:22379"])
        #expect(etcd.key == "/mdca-forwarder/contoso")
        #expect(etcd.lease == .seconds(15))
        #expect(etcd.instance == HostName.current)
        #expect(etcd.username == nil && etcd.certFile == nil)
    }

    @Test func acceptsEverythingSet() throws {
        let fixture = try ConfigFixture()
        try fixture.writeFile(fixture.directory + "/etcd-password", "pw\n", mode: 0o600)
        try fixture.writeFile(fixture.directory + "/ca.pem", "x", mode: 0o644)
        try fixture.writeFile(fixture.directory + "/client.pem", "x", mode: 0o644)
        try fixture.writeFile(fixture.directory + "/client.key", "x", mode: 0o600)
        let config = try fixture.load(Self.yaml("""
        endpoints: [https://10.0.0.1:2379, https://etcd-b.example:2379]
        key: /mdca-forwarder/contoso
        lease: 5s
        instance: collector-a
        username: mdca
        password_file: DIR/etcd-password
        tls: {ca_file: DIR/ca.pem, cert_file: DIR/client.pem, key_file: DIR/client.key}
        """))
        let etcd = try #require(config.state.etcd)
        #expect(etcd.lease == .seconds(5) && etcd.leaseSeconds == 5)
        #expect(etcd.instance == "collector-a")
        #expect(etcd.username == "mdca")
        #expect(etcd.passwordFile == fixture.directory + "/etcd-password")
        #expect(etcd.caFile == fixture.directory + "/ca.pem")
        #expect(etcd.keyFile == fixture.directory + "/client.key")
    }

    /// check-config's effective configuration shows the section and loads back to the same.
    @Test func rendersAndLoadsBack() throws {
        let fixture = try ConfigFixture()
        try fixture.writeFile(fixture.directory + "/etcd-password", "pw", mode: 0o600)
        let config = try fixture.load(Self.yaml(Self.loopback + "\nlease: 7s\ninstance: c-1\nusername: u\npassword_file: DIR/etcd-password"))
        let rendered = config.renderEffective()
        #expect(rendered.contains("  etcd:\n    endpoints: [\"http://127.0.0.1:2379\", \"http://127.0.0.1:22379\"]"), "\(rendered)")
        #expect(!rendered.contains("state.json"))
        let again = try fixture.load(rendered)
        #expect(again.state.etcd == config.state.etcd)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var keyPath: String
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "path and etcd together", yaml: yaml(loopback, path: true),
             keyPath: "state.etcd", expected: "state.path and state.etcd exclude each other"),
        Case(name: "endpoint not a URL", yaml: yaml("endpoints: [etcd-a:2379]\nkey: /k"),
             keyPath: "state.etcd.endpoints[0]", expected: "expected an etcd client URL like https://10.0.0.1:2379"),
        Case(name: "endpoint without port", yaml: yaml("endpoints: [https://10.0.0.1]\nkey: /k"),
             keyPath: "state.etcd.endpoints[0]", expected: "(scheme, host and port)"),
        Case(name: "plain http off loopback", yaml: yaml("endpoints: [http://127.0.0.1:2379, http://10.0.0.2:2379]\nkey: /k"),
             keyPath: "state.etcd.endpoints[1]", expected: "plain http is allowed only for loopback members"),
        Case(name: "endpoint with credentials", yaml: yaml("endpoints: [https://u:p@10.0.0.1:2379]\nkey: /k"),
             keyPath: "state.etcd.endpoints[0]", expected: "without credentials"),
        Case(name: "no endpoints", yaml: yaml("endpoints: []\nkey: /k"),
             keyPath: "state.etcd.endpoints", expected: "at least one etcd client URL"),
        Case(name: "lease too short", yaml: yaml(loopback + "\nlease: 4s"),
             keyPath: "state.etcd.lease", expected: "expected whole seconds from 5s to 60s"),
        Case(name: "lease too long", yaml: yaml(loopback + "\nlease: 2m"),
             keyPath: "state.etcd.lease", expected: "from 5s to 60s"),
        Case(name: "lease not whole seconds", yaml: yaml(loopback + "\nlease: 5500ms"),
             keyPath: "state.etcd.lease", expected: "whole seconds"),
        Case(name: "relative key", yaml: yaml("endpoints: [http://127.0.0.1:2379]\nkey: mdca"),
             keyPath: "state.etcd.key", expected: "an absolute key prefix"),
        Case(name: "missing key", yaml: yaml("endpoints: [http://127.0.0.1:2379]"),
             keyPath: "state.etcd.key", expected: "missing"),
        Case(name: "username without password", yaml: yaml(loopback + "\nusername: mdca"),
             keyPath: "state.etcd.username", expected: "needs password_file too"),
        Case(name: "unknown key", yaml: yaml(loopback + "\nleases: 5s"),
             keyPath: "state.etcd.leases", expected: "did you mean `lease`?"),
        Case(name: "cert without key", yaml: yaml(loopback + "\ntls: {cert_file: /etc/hostname}"),
             keyPath: "state.etcd.tls.cert_file", expected: "needs key_file too"),
    ]

    @Test(arguments: cases)
    func refused(_ c: Case) throws {
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) { try fixture.load(c.yaml) }
        #expect(error.exitCode == 78)
        #expect(error.keyPath == c.keyPath, "\(error.description)")
        #expect(error.description.contains(c.expected), "\(error.description)")
        #expect(error.line != nil)
    }

    @Test func anOverSharedPasswordFileIsRefusedLikeTheToken() throws {
        let fixture = try ConfigFixture()
        try fixture.writeFile(fixture.directory + "/etcd-password", "pw", mode: 0o644)
        let error = try #require(throws: ConfigError.self) {
            try fixture.load(Self.yaml(Self.loopback + "\nusername: mdca\npassword_file: DIR/etcd-password"))
        }
        #expect(error.keyPath == "state.etcd.password_file")
        #expect(error.description.contains("is accessible by group or others"))
    }
}
