/// The `kafka:` block of a kafka:// output (PRODUCT §11). TLS verification is always on.
public struct KafkaSettings: Sendable, Equatable {
    public enum Compression: String, Sendable, CaseIterable {
        case none, gzip, snappy, lz4, zstd
    }

    public enum SASLMechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    /// Broker CA and optional client certificate (PEM files).
    public struct TLS: Sendable, Equatable {
        /// nil: the system's CA store.
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    public struct SASL: Sendable, Equatable {
        public var mechanism: SASLMechanism
        public var username: String
        /// A 0600/0400 file holding the password (one trailing newline ignored); read when
        /// the output is built, never logged.
        public var passwordFile: String

        public init(mechanism: SASLMechanism, username: String, passwordFile: String) {
            self.mechanism = mechanism
            self.username = username
            self.passwordFile = passwordFile
        }
    }

    public var clientID: String
    public var compression: Compression
    public var tls: TLS?
    public var sasl: SASL?
    /// How long librdkafka keeps retrying a message (`message.timeout.ms`) before the batch
    /// counts as failed and the forwarder holds the cursor and backs off.
    public var deliveryTimeout: Duration

    public init(clientID: String = "mdca-forwarder", compression: Compression = .none, tls: TLS? = nil,
                sasl: SASL? = nil, deliveryTimeout: Duration = .seconds(30)) {
        self.clientID = clientID
        self.compression = compression
        self.tls = tls
        self.sasl = sasl
        self.deliveryTimeout = deliveryTimeout
    }
}
