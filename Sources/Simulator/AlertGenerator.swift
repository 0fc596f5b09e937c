/// Builds deterministic, realistic alerts from the shapes of `samples/alerts-real.json`: the
/// same seed and index give the same alert.
struct AlertGenerator: Sendable {
    /// Random streams of their own, apart from the activities' (ActivityGenerator.Stream).
    enum Stream: UInt64 { case backlog = 11, added = 12, schedule = 13, closures = 14 }

    var seed: UInt64
    var hostileFraction: Double
    var portal: String

    struct Template: Sendable {
        var policyType: String
        var titles: [String]
        /// `%P` policy title, `%U` user, `%F` file, `%S` service.
        var description: String
        var severities: [Int]
        var stories: [Int]
        var hasFile: Bool
        var hasIP: Bool
    }

    /// One template per policy type seen in records and Microsoft's alert documentation.
    static let templates: [Template] = [
        Template(policyType: "FILE", titles: ["block png files", "Sensitive file shared externally"],
                 description: "File policy '%P' __siteIcon__ was matched by '%F'", severities: [0, 1], stories: [0, 3],
                 hasFile: true, hasIP: false),
        Template(policyType: "AUDIT", titles: ["Mass download by a single user", "myPolicy", "test-activity-policy"],
                 description: "Activity policy '%P' was triggered by '%U'", severities: [0, 0, 1, 2], stories: [0],
                 hasFile: false, hasIP: true),
        Template(policyType: "ANOMALY_DETECTION", titles: ["Honeytoken activity", "Impossible travel activity", "Activity from infrequent country"],
                 description: "%U performed 11 suspicious activities __siteIcon__ MITRE Technique used Account Discovery (T1087)",
                 severities: [1, 2], stories: [0], hasFile: false, hasIP: true),
        Template(policyType: "SESSION", titles: ["Block download of sensitive files"],
                 description: "Session policy '%P' __siteIcon__ blocked a download of '%F' by '%U'", severities: [1, 3], stories: [3],
                 hasFile: true, hasIP: true),
        Template(policyType: "NEW_SERVICE", titles: ["New cloud app discovered"],
                 description: "App discovery policy '%P' matched the new app '%S'", severities: [3, 0], stories: [4],
                 hasFile: false, hasIP: false),
    ]

    static let services: [(id: Int, name: String)] = [
        (15600, "Microsoft OneDrive for Business"), (11161, "Office 365"), (20893, "Microsoft Exchange Online"),
        (20940, "Active Directory"), (10489, "Box"), (11114, "Salesforce"), (33626, "Google"),
    ]
    static let users = ["dev@demistodev.onmicrosoft.com", "admin@contoso.com", "user1@contoso.com", "user2@test15-adallom.com"]
    static let files = ["image (2).png", "Q3 forecast.xlsx", "passwords.txt"]
    static let ips = ["8.8.8.8", "13.82.149.151", "2001:db8::7", "1.2.3.4"]

    /// Alert `index` of `stream`, raised at `timestamp`.
    func make(stream: Stream, index: Int, timestamp: Int64) -> AlertFields {
        var rng = SplitMix64(seed: seed, stream: stream.rawValue, index: UInt64(index))
        let template = rng.pick(Self.templates)
        var title = rng.pick(template.titles)
        let service = rng.pick(Self.services)
        var user = rng.pick(Self.users)
        var file = rng.pick(Self.files)
        if rng.chance(hostileFraction) {
            switch rng.int(0...2) {
            case 0: title = HostileStrings.make(&rng)
            case 1: user = HostileStrings.make(&rng)
            default: file = HostileStrings.make(&rng)
            }
        }
        // An ObjectId: its first 4 bytes are the creation second (0-3 s after `timestamp`).
        let seconds = max(timestamp / 1000 + Int64(rng.int(0...3)), 0)
        let idHex = String(UInt32(truncatingIfNeeded: seconds), radix: 16)
        let id = String(repeating: "0", count: 8 - idHex.count) + idHex + rng.hex(8)
        let policyID = "5f" + rng.hex(11)
        let description = template.description
            .replacingAll("%P", title).replacingAll("%U", user).replacingAll("%F", file).replacingAll("%S", service.name)

        var entities: [AlertFields.Entity] = [
            .init(type: "policyRule", id: .string(policyID), label: title, policyType: template.policyType),
            .init(type: "service", id: .int(service.id), label: service.name),
        ]
        if template.hasFile { entities.append(.init(type: "file", id: .string(rng.uuid() + "|" + rng.uuid()), label: file)) }
        entities.append(.init(type: "account", id: .string(rng.uuid()), label: user.split(separator: "@").first.map(String.init) ?? user,
                              extra: [("em", user), ("pa", user)]))
        entities.append(.init(type: "user", id: .string(user), label: user))
        var ip: String?
        if template.hasIP, rng.chance(0.7) {
            let address = rng.pick(Self.ips)
            ip = address
            entities.append(.init(type: "ip", id: .string(address), label: address))
        }
        if rng.chance(0.3) { entities.append(.init(type: "groupTag", id: .string(rng.hex(12)), label: "All Users")) }
        let audits = template.policyType == "AUDIT" ? ["\(timestamp - Int64(rng.int(1_000...90_000)))_\(rng.uuid())"] : []
        return AlertFields(
            id: id, timestamp: timestamp, title: title, description: description, entities: entities,
            policyID: policyID, policyType: template.policyType, serviceID: service.id, ip: ip,
            severity: rng.pick(template.severities), threatScore: rng.int(0...100), threatScoreAsString: rng.chance(0.1),
            stories: [rng.pick(template.stories)], audits: audits, contextID: rng.uuid(), idValue: rng.int(15_000_000...16_000_000),
            statusValue: rng.int(0...1), portal: portal)
    }

    /// The status a closure gets: mostly the current ones (3, 4, 5), sometimes legacy (1, 2).
    static func closureStatus(_ rng: inout SplitMix64) -> Int {
        rng.pick([3, 3, 4, 4, 5, 5, 1, 2])
    }
}

extension String {
    fileprivate func replacingAll(_ token: String, _ value: String) -> String {
        split(separator: token, omittingEmptySubsequences: false).joined(separator: value)
    }
}
