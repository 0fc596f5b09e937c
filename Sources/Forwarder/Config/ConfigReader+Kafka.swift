import Outputs
import POSIX

extension ConfigReader {
    static let kafkaKeys = ["client_id", "compression", "tls", "sasl", "delivery_timeout"]

    /// The `kafka:` block of a kafka:// output (PRODUCT §11). Files are checked now, so that
    /// `check-config` (ExecStartPre=) refuses a missing CA or an over-shared password file.
    func kafkaSettings(_ output: MappingReader) throws(ConfigError) -> OutputSettings.KafkaSettings {
        var kafka = OutputSettings.KafkaSettings()
        guard let section = try output.mapping("kafka", allowed: Self.kafkaKeys) else { return kafka }
        if let clientID = try section.string("client_id", expected: "a Kafka client id (printable ASCII, at most 255)") {
            guard clientID.count <= 255, clientID.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw section.error("client_id", "expected printable ASCII without spaces, at most 255 characters")
            }
            kafka.clientID = clientID
        }
        kafka.compression = try section.choice("compression", OutputSettings.KafkaSettings.Compression.allCases.map { ($0.rawValue, $0) }) ?? kafka.compression
        if let timeout = try section.duration("delivery_timeout") {
            guard timeout >= .seconds(1), timeout <= .seconds(3600) else {
                throw section.error("delivery_timeout", "expected 1s to 1h (how long librdkafka retries a message before the batch counts as failed)")
            }
            kafka.deliveryTimeout = timeout
        }
        if let tls = try section.mapping("tls", allowed: ["ca_file", "cert_file", "key_file"]) {
            var settings = OutputSettings.KafkaSettings.TLS()
            for (key, keyPath) in [("ca_file", \OutputSettings.KafkaSettings.TLS.caFile), ("cert_file", \.certFile)] {
                if let path = try tls.string(key, expected: "an absolute path to a PEM file") {
                    if let problem = FileChecks.regularFileProblem(path) { throw tls.error(key, problem) }
                    settings[keyPath: keyPath] = path
                }
            }
            if let path = try tls.string("key_file", expected: "an absolute path to a PEM private key", echo: false) {
                if let problem = FileChecks.secretFileProblem(path) { throw tls.error("key_file", problem) }
                settings.keyFile = path
            }
            guard (settings.certFile == nil) == (settings.keyFile == nil) else {
                throw error(tls.keyPath, at: tls.node, "cert_file and key_file go together (client certificate authentication)")
            }
            kafka.tls = settings
        }
        if let sasl = try section.mapping("sasl", allowed: ["mechanism", "username", "password_file"]) {
            let mechanisms = OutputSettings.KafkaSettings.SASLMechanism.allCases.map { ($0.rawValue, $0) }
            guard let mechanism = try sasl.choice("mechanism", mechanisms) else {
                throw error(sasl.path("mechanism"), at: sasl.node, "missing; expected one of \(mechanisms.map(\.0).joined(separator: ", "))")
            }
            let username = try sasl.requiredString("username", expected: "the SASL user name")
            let passwordFile = try sasl.requiredString("password_file", expected: "an absolute path to a file holding the password (mode 0600)", echo: false)
            if let problem = FileChecks.secretFileProblem(passwordFile) { throw sasl.error("password_file", problem) }
            if checkSecrets {
                // The content too, with the reader the output uses at start-up (POSIX
                // `SecretFile`): an empty password must fail here, not in a restart loop.
                do throws(SecretFile.Failure) {
                    _ = try SecretFile.load(passwordFile)
                } catch {
                    throw sasl.error("password_file", error.description)
                }
            }
            kafka.sasl = .init(mechanism: mechanism, username: username, passwordFile: passwordFile)
        }
        return kafka
    }
}
