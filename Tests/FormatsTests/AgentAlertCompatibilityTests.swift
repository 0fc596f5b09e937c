import ActivityJSON
import Foundation
@testable import Formats
import Testing

/// The retired agent's alert lines from Microsoft's documentation (`samples/siem-agent-cef.txt`,
/// the CEF part of the six `|ALERT_` lines).
let agentAlertLines: [String] = [
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|myPolicy|3|externalId=596a7e360c204203a335a3fb start=1500151350531 end=1500151350531 msg=Activity policy ''myPolicy'' was triggered by ''admin@box-contoso.com'' suser=admin@box-contoso.com destinationServiceName=Box cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596a7e360c204203a335a3fb cs2Label=uniqueServiceAppIds cs2=APPID_BOX cs3Label=relatedAudits cs3=1500151288183_acc891bf-33e1-424b-a021-0d4370789660 cs4Label=policyIDs cs4=59f0ab82f797fa0681e9b1c7",
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|test-activity-policy|3|externalId=596b339b0c204203a33a51ae start=1500197786550 end=1500197786550 msg=Activity policy ''test-activity-policy'' was triggered by ''user@contoso.com'' suser=user@contoso.com destinationServiceName=Salesforce cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596b339b0c204203a33a51ae cs2Label=uniqueServiceAppIds cs2=APPID_SALESFORCE cs3Label=relatedAudits cs3=1500197720691_b7f6317c-b8de-476a-bc8f-dfa570e00349 cs4Label=policyIDs cs4=",
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|test-activity-policy3|3|externalId=596b2fd70c204203a33a3eeb start=1500196623361 end=1500196623361 msg=Activity policy ''test-activity-policy3'' was triggered by ''admin@contoso.com'' suser=admin@contoso.com destinationServiceName=Microsoft 365 cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596b2fd70c204203a33a3eeb cs2Label=uniqueServiceAppIds cs2=APPID_O365 cs3Label=relatedAudits cs3=1500196549157_a0e01f8a-e29a-43ae-8599-783c1c11597d cs4Label=policyIDs cs4=",
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|test-activity-policy|3|externalId=596b2fd70c204203a33a3eec start=1500196635426 end=1500196635426 msg=Activity policy ''test-activity-policy'' was triggered by ''admin@contoso.com'' suser=admin@contoso.com destinationServiceName=Microsoft 365 admin center cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596b2fd70c204203a33a3eec cs2Label=uniqueServiceAppIds cs2=APPID_O365_PORTAL cs3Label=relatedAudits cs3=1500196557398_3e102b20-d9fa-4f66-b550-8c7a403bb4d8 cs4Label=policyIDs cs4=59f0ab35f797fa9811e9b1c7",
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|test-activity-policy4|3|externalId=596b30200c204203a33a4765 start=1500196666290 end=1500196666290 msg=Activity policy ''test-activity-policy4'' was triggered by ''admin@contoso.com'' suser=admin@contoso.com destinationServiceName=Microsoft Exchange Online cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596b30200c204203a33a4765 cs2Label=uniqueServiceAppIds cs2=APPID_OUTLOOK cs3Label=relatedAudits cs3=1500196587034_a8673602-7e95-46d6-a1fe-c156c4709c5d cs4Label=policyIDs cs4=",
    "CEF:0|MCAS|SIEM_Agent|0.102.17|ALERT_CABINET_EVENT_MATCH_AUDIT|test-activity-policy2|3|externalId=596b34b10c204203a33a5240 start=1500198064369 end=1500198064369 msg=Activity policy ''test-activity-policy2'' was triggered by ''user2@test15-adallom.com'' suser=user2@test15-adallom.com destinationServiceName=Google cn1Label=riskScore cn1= cs1Label=portalURL cs1=https://cloud-app-security.com/#/alerts/596b34b10c204203a33a5240 cs2Label=uniqueServiceAppIds cs2=APPID_33626 cs3Label=relatedAudits cs3=1500197996117_fd71f265-1e46-4f04-b372-2e32ec874cd3 cs4Label=policyIDs cs4=",
]

let agentAlertKeys = ["externalId", "start", "end", "msg", "suser", "destinationServiceName", "cn1Label", "cn1",
                      "cs1Label", "cs1", "cs2Label", "cs2", "cs3Label", "cs3", "cs4Label", "cs4"]

/// The Microsoft 365 admin center's app id is in none of our samples; the line's
/// `APPID_O365_PORTAL` is rebuilt through the replaceable name table under a stand-in id.
let adminCenterStandInID = "990001"

/// The six alerts rebuilt from the values each line shows. The `''` around names is in the
/// lines' `msg` values: it is taken as the description's text (the encoder adds nothing).
let agentAlerts: [AlertRecord] = {
    func alert(_ id: String, _ ms: Int64, _ policy: String, user: String, service: (String, String),
               audit: String, policyID: String?) -> AlertRecord {
        AlertRecord(
            id: id, timestamp: ms, title: policy,
            description: "Activity policy ''\(policy)'' was triggered by ''\(user)''",
            entities: [
                AlertEntity(type: "policyRule", id: policyID, label: policy, policyType: "AUDIT"),
                AlertEntity(type: "service", id: service.0, label: service.1),
                AlertEntity(type: "user", id: user, label: user),
            ],
            severityValue: 0, audits: [audit])
    }
    return [
        alert("596a7e360c204203a335a3fb", 1_500_151_350_531, "myPolicy", user: "admin@box-contoso.com",
              service: ("10489", "Box"), audit: "1500151288183_acc891bf-33e1-424b-a021-0d4370789660", policyID: "59f0ab82f797fa0681e9b1c7"),
        alert("596b339b0c204203a33a51ae", 1_500_197_786_550, "test-activity-policy", user: "user@contoso.com",
              service: ("11114", "Salesforce"), audit: "1500197720691_b7f6317c-b8de-476a-bc8f-dfa570e00349", policyID: nil),
        alert("596b2fd70c204203a33a3eeb", 1_500_196_623_361, "test-activity-policy3", user: "admin@contoso.com",
              service: ("11161", "Microsoft 365"), audit: "1500196549157_a0e01f8a-e29a-43ae-8599-783c1c11597d", policyID: nil),
        alert("596b2fd70c204203a33a3eec", 1_500_196_635_426, "test-activity-policy", user: "admin@contoso.com",
              service: (adminCenterStandInID, "Microsoft 365 admin center"), audit: "1500196557398_3e102b20-d9fa-4f66-b550-8c7a403bb4d8",
              policyID: "59f0ab35f797fa9811e9b1c7"),
        alert("596b30200c204203a33a4765", 1_500_196_666_290, "test-activity-policy4", user: "admin@contoso.com",
              service: ("20893", "Microsoft Exchange Online"), audit: "1500196587034_a8673602-7e95-46d6-a1fe-c156c4709c5d", policyID: nil),
        alert("596b34b10c204203a33a5240", 1_500_198_064_369, "test-activity-policy2", user: "user2@test15-adallom.com",
              service: ("33626", "Google"), audit: "1500197996117_fd71f265-1e46-4f04-b372-2e32ec874cd3", policyID: nil),
    ]
}()

func alertLine(_ alert: AlertRecord, closure: Bool = false, _ options: CEFOptions = CEFOptions()) -> String {
    var buffer: [UInt8] = []
    CEFAlertEncoder(options: options).encode(alert, closure: closure, into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

/// The real alerts of alerts-real.json (the fixture copied from the product's samples).
func realAlertRecords() throws -> [AlertRecord] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/alerts-real.json")
    let entries = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
    return try entries.map { entry in
        try AlertRecord.parse([UInt8](JSONSerialization.data(withJSONObject: try #require(entry["record"]))))
    }
}

@Suite struct AgentAlertCompatibilityTests {
    static let options = CEFOptions(
        version: "0.102.17", portalURL: "https://cloud-app-security.com/",
        appNames: CEFOptions.knownAppNames.merging([adminCenterStandInID: "O365_PORTAL"]) { a, _ in a })

    @Test(arguments: 0..<6)
    func reproducesTheAgentAlertLineByteForByte(_ index: Int) {
        #expect(alertLine(agentAlerts[index], Self.options) == agentAlertLines[index])
    }

    @Test func sampleLinesParseWithTheAgentKeysInOrder() throws {
        for line in agentAlertLines {
            #expect(try parseCEF(line).extensions.map(\.key) == agentAlertKeys)
        }
    }

    @Test func realAlertsGiveWellFormedSingleLines() throws {
        let records = try realAlertRecords()
        let portal = "https://demistodev.portal.cloudappsecurity.com"
        let file = try parseCEF(alertLine(records[0], CEFOptions(portalURL: portal)))
        #expect(file.header == ["CEF:0", "MCAS", "SIEM_Agent", "1.0", "ALERT_CABINET_EVENT_MATCH_FILE", "block png files", "3"])
        #expect(file.extensions.map(\.key) == agentAlertKeys)
        #expect(file["msg"] == "File policy 'block png files' was matched by 'image (2).png'")
        #expect(file["suser"] == "dev@demistodev.onmicrosoft.com")
        #expect(file["destinationServiceName"] == "Microsoft OneDrive for Business")
        #expect(file["cs2"] == "APPID_15600")
        #expect(file["cn1"] == "19")
        #expect(file["cs1"] == "\(portal)/#/alerts/5f06d71dba4289d0602ba5ac")
        #expect(file["cs4"] == "5f01dce13de79160fbec4150")
        #expect(file["cs3"] == "")

        let honeytoken = try parseCEF(alertLine(records[1]))
        #expect(honeytoken.header[4] == "ALERT_SUSPICIOUS_ACTIVITY" && honeytoken.header[5] == "Honeytoken activity")
        #expect(honeytoken.header[6] == "6") // MEDIUM
        #expect(honeytoken["suser"] == "user1@contoso.com") // the account's principal name
        #expect(honeytoken["cs2"] == "APPID_20940" && honeytoken["cn1"] == "34")
        #expect(honeytoken["cs4"] == "5bfd18bfab73c36ba10d38ca")
        for record in records {
            for closure in [false, true] {
                let line = alertLine(record, closure: closure)
                #expect(!line.contains("\n") && !line.contains("\r"))
                #expect(try parseCEF(line).extensions.count >= agentAlertKeys.count)
            }
        }
    }

    @Test func closureLinesAppendTheResolutionStatus() throws {
        var alert = agentAlerts[0]
        for (value, name) in [(Int64(3), "FALSE_POSITIVE"), (4, "BENIGN"), (5, "TRUE_POSITIVE"), (2, "RESOLVED"), (1, "DISMISSED")] {
            alert.resolutionStatusValue = value
            let line = alertLine(alert, closure: true, Self.options)
            #expect(line == agentAlertLines[0] + " cs5Label=resolutionStatus cs5=\(name)")
        }
    }

    @Test func ipEntitiesGiveSrcOrC6a1() throws {
        var alert = agentAlerts[1]
        alert.entities.append(AlertEntity(type: "ip", id: "8.8.8.8"))
        let v4 = try parseCEF(alertLine(alert))
        #expect(v4["src"] == "8.8.8.8" && v4["c6a1"] == nil)
        alert.entities[3] = AlertEntity(type: "ip", id: "2001:db8::1")
        let v6 = try parseCEF(alertLine(alert))
        #expect(v6["c6a1"] == "2001:db8::1" && v6["src"] == nil && v6["c6a1Label"] == "\"Device IPv6 Address\"")
        alert.entities[3] = AlertEntity(type: "ip", id: "1.2.3.4 x=y")
        #expect(try parseCEF(alertLine(alert)).extensions.map(\.key) == agentAlertKeys)
    }

    @Test(arguments: [
        ("AUDIT", "ALERT_CABINET_EVENT_MATCH_AUDIT"), ("FILE", "ALERT_CABINET_EVENT_MATCH_FILE"),
        ("anomaly_detection", "ALERT_SUSPICIOUS_ACTIVITY"), ("NEW_SERVICE", "ALERT_CABINET_DISCOVERY_NEW_SERVICE"),
        ("SESSION", "ALERT_CABINET_INLINE_EVENT_MATCH"), ("Some new-type|x", "ALERT_SOME_NEW_TYPE_X"), ("", "ALERT_UNSPECIFIED"),
    ])
    func signatureMapping(_ policyType: String, _ expected: String) {
        let alert = AlertRecord(id: "1", entities: [AlertEntity(type: "policyRule", policyType: policyType)])
        #expect(CEFAlertEncoder.signature(of: alert) == expected)
    }

    @Test func fallbacks() {
        #expect(CEFAlertEncoder.signature(of: AlertRecord(id: "1")) == "ALERT_UNSPECIFIED")
        #expect(CEFAlertEncoder.signature(of: AlertRecord(id: "1", policy: AlertEntity(policyType: "FILE"))) == "ALERT_CABINET_EVENT_MATCH_FILE")
        #expect(CEFAlertEncoder.name(of: AlertRecord(id: "1")) == "ALERT_UNSPECIFIED")
        #expect(CEFAlertEncoder.severity(of: AlertRecord(id: "1", severityValue: 2)) == 8)
        #expect(CEFAlertEncoder.severity(of: AlertRecord(id: "1", severityValue: 3)) == 1)
        #expect(CEFAlertEncoder.severity(of: AlertRecord(id: "1", severityValue: 42)) == 3)
        #expect(CEFAlertEncoder.message("a __siteIcon__ b __x__") == "a b")
        #expect(CEFAlertEncoder.message("__lead__ text") == " text")
        #expect(CEFAlertEncoder.message("snake__case__ and __ not__ and __") == "snake and __ not__ and __")
        #expect(CEFAlertEncoder.user(of: AlertRecord(id: "1", entities: [AlertEntity(type: "account", label: "L", email: "e@x")])) == "e@x")
    }

    @Test func messageEncoderSendsAlertsWithTheirOwnMSGIDAndRawJSON() throws {
        let alert = try realAlertRecords()[0]
        var cef: [UInt8] = []
        MessageEncoder(options: MessageOptions(hostname: "h", processID: "1")).encode(alert, unixMilliseconds: 0, into: &cef)
        let text = String(decoding: cef, as: UTF8.self)
        #expect(text.hasPrefix("<134>1 1970-01-01T00:00:00.000Z h mdca-forwarder 1 alert - CEF:0|"))
        var json: [UInt8] = []
        MessageEncoder(options: MessageOptions(format: .json, syslog: .none)).encode(alert, closure: true, unixMilliseconds: 0, into: &json)
        #expect(json == Array(alert.rawJSON))
        var capped: [UInt8] = []
        MessageEncoder(options: MessageOptions(maxMessageBytes: 200)).encode(alert, unixMilliseconds: 0, into: &capped)
        #expect(capped.count <= 200)
    }
}

@Suite struct HostileAlertPropertyTests {
    @Test(arguments: [1, 2, 3])
    func everyAlertFieldSurvivesRoundTripOnOneLine(_ seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let encoder = MessageEncoder(options: MessageOptions(
            syslog: .none, maxMessageBytes: 1 << 20, cef: CEFOptions(version: "1", portalURL: "https://p.example/")))
        for _ in 0..<300 {
            func maybe() -> String? { Bool.random(using: &rng) ? hostileString(&rng) : nil }
            let entities = [
                AlertEntity(type: "policyRule", id: hostileString(&rng), label: maybe(), policyType: maybe()),
                AlertEntity(type: "service", id: maybe(), label: maybe()),
                AlertEntity(type: "user", id: maybe(), label: maybe()),
                AlertEntity(type: "ip", id: Bool.random(using: &rng) ? hostileString(&rng) : "2001:db8::9"),
            ].filter { _ in Bool.random(using: &rng) }
            let alert = AlertRecord(
                id: hostileString(&rng), timestamp: Int64.random(in: 0...4_000_000_000_000, using: &rng), title: maybe(),
                description: maybe(), entities: entities, severityValue: Int64.random(in: -1...5, using: &rng),
                resolutionStatusValue: Int64.random(in: 0...6, using: &rng), threatScore: maybe(),
                audits: (0..<Int.random(in: 0...3, using: &rng)).map { _ in hostileString(&rng) })
            let closure = Bool.random(using: &rng)
            var buffer: [UInt8] = []
            encoder.encode(alert, closure: closure, unixMilliseconds: 0, into: &buffer)

            #expect(!buffer.contains(0x0A) && !buffer.contains(0x0D))
            let line = try #require(String(validating: buffer, as: UTF8.self))
            #expect(!line.unicodeScalars.contains { $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}" })
            let parsed = try parseCEF(line)
            let keys = parsed.extensions.map(\.key)
            #expect(Array(keys.prefix(agentAlertKeys.count)) == agentAlertKeys)
            #expect(keys.contains("cs5") == closure)
            func ext(_ value: String?, _ limit: Int) -> String { expectedReadBack(value ?? "", header: false, limit: limit) }
            #expect(parsed.header[4] == expectedReadBack(CEFAlertEncoder.signature(of: alert), header: true, limit: CEFLimits.signature))
            #expect(parsed.header[5] == expectedReadBack(CEFAlertEncoder.name(of: alert), header: true, limit: CEFLimits.name))
            #expect(parsed["externalId"] == ext(alert.id, .max))
            #expect(parsed["start"] == String(alert.timestamp ?? -1))
            #expect(parsed["msg"] == ext(alert.description.map(CEFAlertEncoder.message), CEFLimits.message))
            #expect(parsed["suser"] == ext(CEFAlertEncoder.user(of: alert), CEFLimits.sourceUser))
            #expect(parsed["cn1"] == ext(alert.threatScore, CEFLimits.address))
            #expect(parsed["cs1"] == ext("https://p.example/#/alerts/\(alert.id)", CEFLimits.customString))
            #expect(parsed["cs3"] == ext(alert.audits.joined(separator: ","), CEFLimits.customString))
            #expect(parsed["cs4"] == ext(CEFAlertEncoder.policyIDs(of: alert).joined(separator: ","), CEFLimits.customString))
        }
    }
}
