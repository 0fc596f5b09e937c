import Foundation
import Yams

/// `state.etcd:` (PRODUCT §13): the checkpoint and the leader election live in etcd instead of
/// a local state file.
public struct EtcdStateConfig: Sendable, Equatable {
    /// Client URLs of the cluster's members (https, or http on loopback), tried in turn.
    public var endpoints: [String]
    /// This tenant's prefix (absolute, no trailing slash): the leader key and the checkpoint
    /// live under it.
    public var key: String
    /// How long a dead leader can hold the tenant: 5 s … 60 s, whole seconds (etcd's TTL unit).
    public var lease: Duration
    /// The name shown in status and logs (default: the host name).
    public var instance: String
    /// etcd authentication: the user and the file holding its password (secret rules as for
    /// the API token).
    public var username: String?
    public var passwordFile: String?
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?

    public init(endpoints: [String], key: String, lease: Duration = .seconds(15), instance: String) {
        self.endpoints = endpoints
        self.key = key
        self.lease = lease
        self.instance = instance
    }

    /// Whole seconds of `lease`, as etcd's TTL wants it.
    public var leaseSeconds: Int64 { lease.components.seconds }
}

extension ConfigReader {
    static let etcdKeys = ["endpoints", "key", "lease", "instance", "username", "password_file", "tls"]
    static let leaseRange: ClosedRange<Int64> = 5...60

    /// `state:` with either `path` or `etcd`, never both.
    func stateConfig(_ section: MappingReader, defaultPath: String) throws(ConfigError) -> StateConfig {
        var state = StateConfig(path: defaultPath)
        if let path = try section.string("path", expected: "an absolute path") {
            guard path.hasPrefix("/") else { throw section.error("path", "expected an absolute path, got \(ConfigValue.quoted(path))") }
            state.path = path
        }
        guard let node = section.value("etcd") else { return state }
        guard !section.has("path") else {
            throw section.error("etcd", "state.path and state.etcd exclude each other: the checkpoint lives either in a local file or in etcd; remove one")
        }
        state.etcd = try etcdConfig(node)
        return state
    }

    func etcdConfig(_ node: Node) throws(ConfigError) -> EtcdStateConfig {
        let section = try mapping(node, at: "state.etcd", allowed: Self.etcdKeys)
        let endpointsNode = try section.required("endpoints", "a sequence of etcd client URLs like https://10.0.0.1:2379")
        var endpoints: [String] = []
        for (index, item) in try sequence(endpointsNode, at: section.path("endpoints"), expected: "a sequence of etcd client URLs").enumerated() {
            endpoints.append(try etcdEndpoint(item, at: section.path("endpoints") + "[\(index)]"))
        }
        guard !endpoints.isEmpty else { throw section.error("endpoints", "expected at least one etcd client URL") }

        let key = try section.requiredString("key", expected: "an absolute key prefix like /mdca-forwarder/contoso")
        guard key.hasPrefix("/"), !key.hasSuffix("/"), key.count <= 512,
              key.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw section.error("key", "expected an absolute key prefix like /mdca-forwarder/contoso (printable ASCII, no spaces, no trailing /), got \(ConfigValue.quoted(String(key.prefix(80))))")
        }
        var config = EtcdStateConfig(endpoints: endpoints, key: key, instance: HostName.current)
        if let lease = try section.duration("lease") {
            let (seconds, fraction) = lease.components
            guard fraction == 0, Self.leaseRange.contains(seconds) else {
                throw section.error("lease", "expected whole seconds from 5s to 60s (how long a dead leader can hold the tenant), got \(DurationText.render(lease))")
            }
            config.lease = lease
        }
        if let instance = try section.string("instance", expected: "a name for this instance (printable ASCII, no spaces)") {
            guard instance.count <= 255, instance.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw section.error("instance", "expected printable ASCII without spaces, at most 255 characters")
            }
            config.instance = instance
        }
        switch (section.has("username"), section.has("password_file")) {
        case (true, true):
            config.username = try section.string("username", expected: "an etcd user name")
            config.passwordFile = try secretFile(section, "password_file")
        case (false, false): break
        case (true, false): throw section.error("username", "needs password_file too (the file holding the etcd password)")
        case (false, true): throw section.error("password_file", "needs username too (the etcd user the password belongs to)")
        }
        if let tls = try section.mapping("tls", allowed: ["ca_file", "cert_file", "key_file"]) {
            try etcdTLS(tls, into: &config)
        }
        return config
    }

    /// https, or http to a loopback member (etcd's own default); a URL with a host and port
    /// and nothing else.
    private func etcdEndpoint(_ node: Node, at keyPath: String) throws(ConfigError) -> String {
        let expected = "an etcd client URL like https://10.0.0.1:2379"
        guard case .scalar(let scalar) = node, case .string(let text) = YAMLScalar(scalar), !text.isEmpty else {
            throw error(keyPath, at: node, "expected \(expected), got \(node.kindDescription)")
        }
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty, parts.port != nil else {
            throw error(keyPath, at: node, "expected \(expected) (scheme, host and port), got \(ConfigValue.quoted(String(text.prefix(80))))")
        }
        guard parts.user == nil, parts.password == nil, parts.query == nil, parts.fragment == nil,
              parts.path.isEmpty || parts.path == "/" else {
            throw error(keyPath, at: node, "expected \(expected) without credentials, path, query or fragment (use state.etcd.username and password_file)")
        }
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) else {
                throw error(keyPath, at: node, "plain http is allowed only for loopback members (127.0.0.0/8, ::1, localhost), got host \(host); use https with state.etcd.tls")
            }
        default:
            throw error(keyPath, at: node, "expected an https URL (http only for loopback), got scheme \(scheme)")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// Client certificate and key go together; the key is a secret file.
    private func etcdTLS(_ tls: MappingReader, into config: inout EtcdStateConfig) throws(ConfigError) {
        if let caFile = try tls.string("ca_file", expected: "an absolute path to a PEM CA bundle") {
            if let problem = FileChecks.regularFileProblem(caFile) { throw tls.error("ca_file", problem) }
            config.caFile = caFile
        }
        switch (tls.has("cert_file"), tls.has("key_file")) {
        case (true, true):
            let certFile = try tls.requiredString("cert_file", expected: "an absolute path to the PEM client certificate")
            if let problem = FileChecks.regularFileProblem(certFile) { throw tls.error("cert_file", problem) }
            let keyFile = try tls.requiredString("key_file", expected: "an absolute path to the PEM client key")
            if checkSecrets, let problem = FileChecks.secretFileProblem(keyFile) { throw tls.error("key_file", problem) }
            config.certFile = certFile
            config.keyFile = keyFile
        case (false, false): break
        case (true, false): throw tls.error("cert_file", "needs key_file too (the client certificate's private key)")
        case (false, true): throw tls.error("key_file", "needs cert_file too (the client certificate)")
        }
    }
}
