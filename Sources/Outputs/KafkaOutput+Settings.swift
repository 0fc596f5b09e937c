#if canImport(Glibc)
import Glibc
#endif
import Kafka
import POSIX

extension KafkaOutput {
    /// librdkafka's connection settings for a kafka:// output: brokers, client id,
    /// compression, TLS (verification always on) and SASL. The SASL password is read from its
    /// file here, when the output is built.
    static func settings(brokers: [String], kafka: KafkaSettings, invalid: (String) -> OutputError) throws(OutputError) -> [KafkaSetting] {
        var settings = [
            KafkaSetting("bootstrap.servers", brokers.joined(separator: ",")),
            KafkaSetting("client.id", kafka.clientID),
            KafkaSetting("compression.type", kafka.compression.rawValue),
        ]
        let security = switch (kafka.tls != nil, kafka.sasl != nil) {
        case (false, false): "plaintext"
        case (true, false): "ssl"
        case (false, true): "sasl_plaintext"
        case (true, true): "sasl_ssl"
        }
        settings.append(KafkaSetting("security.protocol", security))
        if let tls = kafka.tls {
            if (tls.certFile == nil) != (tls.keyFile == nil) {
                throw invalid("kafka tls cert_file and key_file go together; got only one")
            }
            settings.append(KafkaSetting("enable.ssl.certificate.verification", "true"))
            settings.append(KafkaSetting("ssl.endpoint.identification.algorithm", "https"))
            if let ca = tls.caFile { settings.append(KafkaSetting("ssl.ca.location", ca)) }
            if let cert = tls.certFile { settings.append(KafkaSetting("ssl.certificate.location", cert)) }
            if let key = tls.keyFile { settings.append(KafkaSetting("ssl.key.location", key)) }
        }
        if let sasl = kafka.sasl {
            let password = try readPassword(sasl.passwordFile, invalid: invalid)
            settings.append(KafkaSetting("sasl.mechanism", sasl.mechanism.rawValue))
            settings.append(KafkaSetting("sasl.username", sasl.username))
            settings.append(KafkaSetting("sasl.password", password, secret: true))
        }
        return settings
    }

    /// The password file's contents, checked like every secret file (POSIX `SecretFile`).
    static func readPassword(_ path: String, invalid: (String) -> OutputError) throws(OutputError) -> String {
        do {
            return try SecretFile.load(path)
        } catch {
            throw invalid("kafka sasl password_file: \(error)")
        }
    }
}
