import Forwarder
import Foundation
import TestSupport
import Testing
import Yams

/// The configuration reference (docs/configuration.md, the rows between `<!-- keys:begin -->`
/// and `<!-- keys:end -->`) and the man page mdca-forwarder.yaml(5) list exactly the keys the
/// loader accepts.
///
/// The accepted set is learned from the loader itself, not from a list kept here: every
/// mapping the loader checks refuses an unknown key with "Valid keys here: a, b, c". The test
/// puts a probe key into each mapping of a few valid base configurations (one per kind of
/// output and authentication, so that every conditional block is reachable), reads the list
/// from the refusal, and tries each listed key that the base lacks as a mapping to find
/// sections the bases do not show. A new key in the loader fails this test until documented.
struct KeyCoverageTests {
    static let probe = "zz_docs_probe"

    static var emptyMapping: Node { Node([] as [(Node, Node)]) }

    enum Step: Hashable { case key(String), index(Int) }

    /// `outputs[].tls.ca_file` style: sequence indices normalised.
    static func dotted(_ path: [Step]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let k): out += out.isEmpty ? k : "." + k
            case .index: out += "[]"
            }
        }
        return out
    }

    /// The loader's key path spelling (`outputs[1].tls`).
    static func loaderPath(_ path: [Step]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let k): out += out.isEmpty ? k : "." + k
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }

    static func get(_ node: Node, _ path: ArraySlice<Step>) -> Node? {
        guard let first = path.first else { return node }
        switch (first, node) {
        case (.key(let k), .mapping(let m)): return m[k].flatMap { get($0, path.dropFirst()) }
        case (.index(let i), .sequence(let s)) where s.indices.contains(i): return get(s[i], path.dropFirst())
        default: return nil
        }
    }

    static func set(_ node: Node, _ path: ArraySlice<Step>, _ value: Node) -> Node {
        guard let first = path.first else { return value }
        switch (first, node) {
        case (.key(let k), .mapping(var m)):
            m[k] = set(m[k] ?? emptyMapping, path.dropFirst(), value)
            return .mapping(m)
        case (.index(let i), .sequence(var s)) where s.indices.contains(i):
            s[i] = set(s[i], path.dropFirst(), value)
            return .sequence(s)
        default: return node
        }
    }

    /// The keys the loader lists for the mapping at `path` of `root`, or nil when that mapping
    /// does not check its keys (a filters mapping, a scalar, an unreachable block).
    static func acceptedKeys(_ root: Node, at path: [Step], dir: TempDir) throws -> [String]? {
        guard case .mapping(var mapping)? = get(root, path[...]) else { return nil }
        mapping[probe] = Node("1")
        let text = try Yams.serialize(node: set(root, path[...], .mapping(mapping)))
        let file = try dir.write("probe.yaml", text, mode: 0o644)
        do {
            _ = try ConfigLoader.load(path: file, environment: [:])
            return nil
        } catch {
            guard error.keyPath == loaderPath(path + [.key(probe)]),
                  let range = error.message.range(of: "Valid keys here: ") else { return nil }
            return error.message[range.upperBound...].components(separatedBy: ", ")
        }
    }

    static func discover(_ root: Node, at path: [Step], dir: TempDir, into found: inout Set<String>) throws {
        guard let keys = try acceptedKeys(root, at: path, dir: dir) else { return }
        for key in keys {
            let child = path + [.key(key)]
            found.insert(dotted(child))
            switch get(root, child[...]) {
            case .mapping?:
                try discover(root, at: child, dir: dir, into: &found)
            case .sequence(let items)?:
                for index in items.indices { try discover(root, at: child + [.index(index)], dir: dir, into: &found) }
            case nil:
                // Absent from this base: a section if the loader checks keys inside it.
                try discover(set(root, child[...], emptyMapping), at: child, dir: dir, into: &found)
            default:
                break
            }
        }
    }

    /// Valid configurations that together reach every block: each output scheme with its
    /// optional blocks present, token and Entra authentication.
    static func bases(_ dir: TempDir) throws -> [String] {
        let secret = try dir.write("secret", "docs-probe-secret\n", mode: 0o600)
        let pem = try dir.write("ca.pem", "placeholder\n", mode: 0o644)
        let state = dir.file("state.json")
        let outputs = """
            outputs:
              - {name: a, url: "tcp://127.0.0.1:514", cef: {vendor: MCAS}}
              - {name: b, url: "tls://127.0.0.1:6514", tls: {ca_file: \(pem), cert_file: \(pem), key_file: \(secret)}}
              - {name: c, url: "relp://127.0.0.1:2514", relp: {window: 8}, tls: {ca_file: \(pem)}}
              - name: d
                url: kafka://127.0.0.1:9092/mdca
                kafka: {client_id: x, tls: {ca_file: \(pem), cert_file: \(pem), key_file: \(secret)}, sasl: {mechanism: PLAIN, username: u, password_file: \(secret)}}
              - {name: e, url: "udp://127.0.0.1:514"}
              - {name: f, url: "file://\(dir.file("out.log"))"}
              - {name: g, url: "stdout:"}
            """
        return [
            """
            tenant: {url: "https://contoso.portal.cloudappsecurity.com", auth: {token_file: \(secret)}}
            activities: {page_size: 500}
            alerts: {enabled: true}
            state: {path: \(state)}
            log: {level: info}
            metrics: {listen: "127.0.0.1:9469"}
            \(outputs)
            """,
            """
            tenant:
              url: https://contoso.portal.cloudappsecurity.com
              auth: {entra: {tenant_id: contoso.onmicrosoft.com, client_id: 00000000-0000-0000-0000-000000000000, client_secret_file: \(secret)}}
            state: {path: \(state)}
            \(outputs)
            """,
        ]
    }

    /// Every key the loader accepts, as dotted paths (`outputs[].kafka.sasl.mechanism`).
    static func loaderKeys() throws -> Set<String> {
        let dir = try TempDir("mdca-keys")
        var found: Set<String> = []
        var bases = try bases(dir)
        var index = 0
        while index < bases.count {
            let base = bases[index]
            index += 1
            let root = try #require(try Yams.compose(yaml: base))
            // Each base is valid as it stands: otherwise every probe would meet the base's error.
            #expect(throws: Never.self) { _ = try ConfigLoader.load(path: try dir.write("base.yaml", base, mode: 0o644), environment: [:]) }
            try discover(root, at: [], dir: dir, into: &found)
            // state.etcd excludes state.path, so it is reached from a base of its own, once the
            // loader says it knows the key.
            if index == 1, found.contains("state.etcd") { bases.append(try etcdBase(dir)) }
        }
        return found
    }

    /// A valid configuration with `state.etcd` and every optional block of it.
    static func etcdBase(_ dir: TempDir) throws -> String {
        let secret = try dir.write("etcd-secret", "docs-probe-secret\n", mode: 0o600)
        let pem = try dir.write("etcd-ca.pem", "placeholder\n", mode: 0o644)
        return """
            tenant: {url: "https://contoso.portal.cloudappsecurity.com", auth: {token_file: \(secret)}}
            state:
              etcd:
                endpoints: ["https://10.0.0.1:2379"]
                key: /mdca-forwarder/docs
                lease: 15s
                instance: docs
                username: mdca
                password_file: \(secret)
                tls: {ca_file: \(pem), cert_file: \(pem), key_file: \(secret)}
            outputs:
              - {name: a, url: "tcp://127.0.0.1:514"}
            """
    }

    /// Whether this build's loader knows `state.etcd` (high availability).
    static func highAvailability() throws -> Bool {
        let dir = try TempDir("mdca-keys-ha")
        let base = try bases(dir)[0]
        let root = try #require(try Yams.compose(yaml: base))
        return try acceptedKeys(root, at: [.key("state")], dir: dir)?.contains("etcd") ?? false
    }

    /// The key column of the reference table: `keys` for the main table, `keys:ha` for the
    /// high-availability keys (counted only when the loader knows `state.etcd`).
    static func referenceKeys(_ marker: String = "keys") throws -> Set<String> {
        let text = try Repository.text("docs/configuration.md")
        let begin = try #require(text.range(of: "<!-- \(marker):begin -->"))
        let end = try #require(text.range(of: "<!-- \(marker):end -->"))
        var keys: Set<String> = []
        for line in text[begin.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            keys.insert(String(cell))
        }
        return keys
    }

    /// The `.TP` / `.B key` entries of mdca-forwarder.yaml(5): before the comment line
    /// `.\" keys:ha` (ha: false), or after it (ha: true, the high-availability keys).
    static func manKeys(ha: Bool = false) throws -> Set<String> {
        let all = try Repository.text("man/mdca-forwarder.yaml.5").components(separatedBy: "\n")
        let split = all.firstIndex(of: #".\" keys:ha"#) ?? all.count
        let lines = Array(ha ? all[split...] : all[..<split])
        var keys: Set<String> = []
        for (index, line) in lines.enumerated() where line == ".TP" && index + 1 < lines.count {
            let next = lines[index + 1]
            guard next.hasPrefix(".B ") else { continue }
            let key = DocBlocks.unescape(String(next.dropFirst(3))).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            if key.range(of: #"^[a-z_]+(\[\])?(\.[a-z_]+(\[\])?)*$"#, options: .regularExpression) != nil { keys.insert(key) }
        }
        return keys
    }

    @Test func referenceListsExactlyTheAcceptedKeys() throws {
        let accepted = try Self.loaderKeys()
        // The probe itself works: the well-known keys are found, nested ones included.
        #expect(accepted.isSuperset(of: ["tenant.url", "outputs[].url", "outputs[].kafka.sasl.mechanism", "tenant.auth.entra.client_id"]))
        let ha = try Self.referenceKeys("keys:ha")
        #expect(!ha.isEmpty && ha.allSatisfy { $0.hasPrefix("state.etcd") })
        let documented = try Self.referenceKeys().union(accepted.contains("state.etcd") ? ha : [])
        #expect(accepted.subtracting(documented).isEmpty, "accepted by the loader, missing from docs/configuration.md: \(accepted.subtracting(documented).sorted())")
        #expect(documented.subtracting(accepted).isEmpty, "in docs/configuration.md, refused by the loader: \(documented.subtracting(accepted).sorted())")
    }

    @Test func manPageListsExactlyTheAcceptedKeys() throws {
        let accepted = try Self.loaderKeys()
        let ha = try Self.manKeys(ha: true)
        #expect(ha == (try Self.referenceKeys("keys:ha")), "the high-availability keys of mdca-forwarder.yaml(5) and docs/configuration.md differ")
        let documented = try Self.manKeys().union(accepted.contains("state.etcd") ? ha : [])
        #expect(accepted.subtracting(documented).isEmpty, "accepted by the loader, missing from mdca-forwarder.yaml(5): \(accepted.subtracting(documented).sorted())")
        #expect(documented.subtracting(accepted).isEmpty, "in mdca-forwarder.yaml(5), refused by the loader: \(documented.subtracting(accepted).sorted())")
    }
}
