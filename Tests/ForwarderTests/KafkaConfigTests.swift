@testable import Forwarder
import Foundation
import Outputs
import Testing

/// The kafka:// output's URL and `kafka:` block (PRODUCT §11): defaults, every accepted key,
/// and every mistake refused with exit 78 naming the file and key.
@Suite struct KafkaConfigTests {
    static let m = ConfigFixture.minimal
    /// A second output, kafka, with the given extra flow-mapping entries.
    static func kafka(_ extra: String = "", url: String = "kafka://k1:9092,k2:9093/th-cef") -> String {
        m("", nil, "", "  - {name: k, url: \"\(url)\"\(extra.isEmpty ? "" : ", " + extra)}\n")
    }

    @Test func defaults() throws {
        let fixture = try ConfigFixture()
        let output = try #require(try fixture.load(Self.kafka()).outputs.last)
        #expect(output.endpoint == .kafka(brokers: ["k1:9092", "k2:9093"], topic: "th-cef"))
        #expect(output.syslog == .none, "kafka records carry no syslog header by default")
        #expect(output.format == .cef)
        #expect(output.framing == nil)
        #expect(output.kafka == KafkaSettings())
        #expect(output.kafka?.compression == KafkaSettings.Compression.none)
    }

    @Test func everyKeyIsRead() throws {
        let fixture = try ConfigFixture()
        let ca = fixture.directory + "/ca.pem"
        try fixture.writeFile(ca, "-----BEGIN CERTIFICATE-----\n", mode: 0o644)
        let yaml = Self.kafka("""
            syslog: rfc5424, format: json, kafka: {client_id: fw-eu-1, compression: zstd, delivery_timeout: 45s, \
            tls: {ca_file: \(ca)}, sasl: {mechanism: SCRAM-SHA-512, username: fw, password_file: TOKEN}}
            """, url: "kafka://[::1]:9092/mdca")
        let output = try #require(try fixture.load(yaml).outputs.last)
        #expect(output.endpoint == .kafka(brokers: ["[::1]:9092"], topic: "mdca"))
        #expect(output.syslog == .rfc5424)
        #expect(output.format == .json)
        let kafka = try #require(output.kafka)
        #expect(kafka.clientID == "fw-eu-1")
        #expect(kafka.compression == .zstd)
        #expect(kafka.deliveryTimeout == .seconds(45))
        #expect(kafka.tls == KafkaSettings.TLS(caFile: ca))
        #expect(kafka.sasl == KafkaSettings.SASL(mechanism: .scramSHA512, username: "fw", passwordFile: fixture.tokenPath))

        // check-config shows the password file, never the password.
        let rendered = try fixture.load(yaml).renderEffective()
        #expect(rendered.contains("password_file: \"\(fixture.tokenPath)\""))
        #expect(rendered.contains("compression: zstd"))
        #expect(!rendered.contains(ConfigFixture.secret))
        // And what was rendered loads back to the same settings.
        let reloaded = try fixture.load(rendered.replacingOccurrences(of: fixture.tokenPath, with: "TOKEN"))
        #expect(reloaded.outputs.last == output)
    }

    static let refusals: [ConfigErrorTests.Case] = [
        .init(name: "kafka without topic", yaml: kafka(url: "kafka://k1:9092"),
              keyPath: "outputs[1].url", expected: "expected kafka://host:port[,host:port…]/topic"),
        .init(name: "kafka with empty topic", yaml: kafka(url: "kafka://k1:9092/"),
              keyPath: "outputs[1].url", expected: "missing topic"),
        .init(name: "kafka bad topic", yaml: kafka(url: "kafka://k1:9092/th cef"),
              keyPath: "outputs[1].url", expected: "is not a Kafka topic name"),
        .init(name: "kafka broker without port", yaml: kafka(url: "kafka://k1:9092,k2/t"),
              keyPath: "outputs[1].url", expected: "missing port"),
        .init(name: "kafka empty broker", yaml: kafka(url: "kafka://k1:9092,/t"),
              keyPath: "outputs[1].url", expected: "missing"),
        .init(name: "kafka unknown key", yaml: kafka("kafka: {compresion: gzip}"),
              keyPath: "outputs[1].kafka.compresion", expected: "did you mean `compression`?"),
        .init(name: "kafka bad compression", yaml: kafka("kafka: {compression: brotli}"),
              keyPath: "outputs[1].kafka.compression", expected: "expected one of none, gzip, snappy, lz4, zstd"),
        .init(name: "kafka block on tcp", yaml: m("", nil, "kafka: {client_id: x}", ""),
              keyPath: "outputs[0].kafka", expected: "a kafka block applies to kafka:// outputs only (this one is tcp)"),
        .init(name: "tls block beside kafka", yaml: kafka("tls: {ca_file: /etc/ssl/certs/ca-certificates.crt}"),
              keyPath: "outputs[1].tls", expected: "takes its tls block inside kafka:"),
        .init(name: "framing on kafka", yaml: kafka("framing: lf"),
              keyPath: "outputs[1].framing", expected: "framing applies to tcp:// and tls:// outputs only"),
        .init(name: "kafka tls server_name", yaml: kafka("kafka: {tls: {server_name: x}}"),
              keyPath: "outputs[1].kafka.tls.server_name", expected: "unknown key"),
        .init(name: "kafka tls missing ca", yaml: kafka("kafka: {tls: {ca_file: DIR/none.pem}}"),
              keyPath: "outputs[1].kafka.tls.ca_file", expected: "No such file or directory"),
        .init(name: "kafka tls cert without key", yaml: kafka("kafka: {tls: {cert_file: TOKEN}}"),
              keyPath: "outputs[1].kafka.tls", expected: "cert_file and key_file go together"),
        .init(name: "kafka sasl bad mechanism", yaml: kafka("kafka: {sasl: {mechanism: GSSAPI, username: u, password_file: TOKEN}}"),
              keyPath: "outputs[1].kafka.sasl.mechanism", expected: "expected one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"),
        .init(name: "kafka sasl without mechanism", yaml: kafka("kafka: {sasl: {username: u, password_file: TOKEN}}"),
              keyPath: "outputs[1].kafka.sasl.mechanism", expected: "missing"),
        .init(name: "kafka sasl without password file", yaml: kafka("kafka: {sasl: {mechanism: PLAIN, username: u}}"),
              keyPath: "outputs[1].kafka.sasl.password_file", expected: "missing"),
        .init(name: "kafka sasl password inline", yaml: kafka("kafka: {sasl: {mechanism: PLAIN, username: u, password: x}}"),
              keyPath: "outputs[1].kafka.sasl.password", expected: "unknown key"),
        .init(name: "kafka sasl password pasted as path", yaml: kafka("kafka: {sasl: {mechanism: PLAIN, username: u, password_file: \(ConfigFixture.secret)}}"),
              keyPath: "outputs[1].kafka.sasl.password_file", expected: "expected an absolute path"),
        .init(name: "kafka sasl missing password file", yaml: kafka("kafka: {sasl: {mechanism: PLAIN, username: u, password_file: DIR/nope}}"),
              keyPath: "outputs[1].kafka.sasl.password_file", expected: "No such file or directory"),
        .init(name: "kafka delivery timeout too short", yaml: kafka("kafka: {delivery_timeout: 100ms}"),
              keyPath: "outputs[1].kafka.delivery_timeout", expected: "expected 1s to 1h"),
        .init(name: "kafka client id with space", yaml: kafka("kafka: {client_id: \"a b\"}"),
              keyPath: "outputs[1].kafka.client_id", expected: "printable ASCII without spaces"),
    ]

    @Test(arguments: refusals)
    func refused(_ c: ConfigErrorTests.Case) throws {
        let fixture = try ConfigFixture()
        let error = try #require(throws: ConfigError.self) { try fixture.load(c.yaml, environment: c.environment) }
        #expect(error.exitCode == 78)
        #expect(error.file == fixture.configPath)
        #expect(error.keyPath == c.keyPath)
        #expect(error.description.contains(": \(c.keyPath): "))
        #expect(error.description.contains(c.expected), "\(error.description)")
        #expect(!error.description.contains(ConfigFixture.secret))
    }

    @Test(arguments: [0o640, 0o644])
    func sharedPasswordFileRefused(mode: Int) throws {
        let fixture = try ConfigFixture()
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: fixture.tokenPath)
        let yaml = Self.kafka("kafka: {sasl: {mechanism: PLAIN, username: u, password_file: TOKEN}}")
            .replacingOccurrences(of: "token_file: TOKEN", with: "token_env: T")
        let error = try #require(throws: ConfigError.self) { try fixture.load(yaml, environment: ["T": "x"]) }
        #expect(error.keyPath == "outputs[1].kafka.sasl.password_file")
        #expect(error.description.contains("chmod 600"))
    }

    /// The factory reads the password when the output is built; a refused librdkafka
    /// setting never echoes it.
    @Test func outputIsBuiltWithThePasswordReadFromItsFile() throws {
        let fixture = try ConfigFixture()
        let settings = KafkaSettings(sasl: .init(mechanism: .plain, username: "u", passwordFile: fixture.tokenPath))
        let output = try makeOutput(OutputConfig(name: "k", url: "kafka://127.0.0.1:9/t", kafka: settings))
        #expect(output.needsMessageKeys)
        let missing = KafkaSettings(sasl: .init(mechanism: .plain, username: "u", passwordFile: fixture.directory + "/gone"))
        let error = #expect(throws: OutputError.self) {
            try makeOutput(OutputConfig(name: "k", url: "kafka://127.0.0.1:9/t", kafka: missing))
        }
        #expect(error?.kind == .invalidConfiguration)
    }
}
