import ActivityJSON
@testable import Formats
import Testing

/// The retired agent's activity lines from Microsoft's documentation
/// (`samples/siem-agent-cef.txt`, the CEF part of the first six lines).
let agentLines: [String] = [
    #"CEF:0|MCAS|SIEM_Agent|0.111.85|EVENT_CATEGORY_LOGOUT|Log out|0|externalId=1511373015679_167ae3eb-ed33-454a-b548-c2ed6cea6ef0 rt=1511373004000 start=1511373004000 end=1511373004000 msg=Log out suser=admin@contoso.com destinationServiceName=ServiceNow dvc=13.82.149.151 requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511373015679_167ae3eb-ed33-454a-b548-c2ed6cea6ef0,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
    #"CEF:0|MCAS|SIEM_Agent|0.112.68|EVENT_CATEGORY_VIEW_REPORT|View report|0|externalId=1511898027370_e272cd5f-31a3-48e3-8a6a-0490c042950a rt=1511898015000 start=1511898015000 end=1511898015000 msg=View report: ServiceNow Report 23 suser=admin@contoso.com destinationServiceName=ServiceNow dvc= requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511898027370_e272cd5f-31a3-48e3-8a6a-0490c042950a,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=23,sys_report,admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
    #"CEF:0|MCAS|SIEM_Agent|0.112.68|EVENT_CATEGORY_DELETE_OBJECT|Delete object|0|externalId=1511897141625_7558b33f-218c-40ff-be5d-47d2bdd6b798 rt=1511897134000 start=1511897134000 end=1511897134000 msg=Delete object: ServiceNow Object f5122008db360300906ff34ebf96198a suser=admin@contoso.com destinationServiceName=ServiceNow dvc= requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511897141625_7558b33f-218c-40ff-be5d-47d2bdd6b798,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=,,admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
    #"CEF:0|MCAS|SIEM_Agent|0.112.49|EVENT_CATEGORY_CREATE_USER|Create user|0|externalId=1511815215873_824f8f8d-2ecd-439b-98b1-99a1adf7ba1c rt=1511815214000 start=1511815214000 end=1511815214000 msg=Create user: user 747518c0db360300906ff34ebf96197c suser=admin@contoso.com destinationServiceName=ServiceNow dvc= requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511815215873_824f8f8d-2ecd-439b-98b1-99a1adf7ba1c,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=,747518c0db360300906ff34ebf96197c,sys_user,admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
    #"CEF:0|MCAS|SIEM_Agent|0.112.49|EVENT_CATEGORY_DELETE_USER|Delete user|0|externalId=1511815287798_bcf60601-ecef-4207-beda-3d2b8d87d383 rt=1511815280000 start=1511815280000 end=1511815280000 msg=Delete user: user 233490c0db360300906ff34ebf9619ef suser=admin@contoso.com destinationServiceName=ServiceNow dvc= requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511815287798_bcf60601-ecef-4207-beda-3d2b8d87d383,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=,233490c0db360300906ff34ebf9619ef,,admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
    #"CEF:0|MCAS|SIEM_Agent|0.112.68|EVENT_CATEGORY_DELETE_OBJECT|Delete object|0|externalId=1511897117617_5be018ee-f676-4473-a9b5-5982527409be rt=1511897095000 start=1511897095000 end=1511897095000 msg=Delete object: ServiceNow Object b1709c40db360300906ff34ebf961923 suser=admin@contoso.com destinationServiceName=ServiceNow dvc= requestClientApplication= cs1Label=portalURL cs1=https://contoso.portal.cloudappsecurity.com/#/audits?activity.id\=eq(1511897117617_5be018ee-f676-4473-a9b5-5982527409be,) cs2Label=uniqueServiceAppIds cs2=APPID_SERVICENOW cs3Label=targetObjects cs3=,,admin@contoso.com,admin@contoso.com,admin@contoso.com cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1="#,
]

/// The same six activities rebuilt by hand from the values each line shows.
let agentRecords: [(version: String, record: ActivityRecord)] = {
    let admin = "admin@contoso.com"
    func record(_ id: String, _ ms: Int64, _ type: String, _ description: String, ip: String? = nil,
                targets: [String]) -> ActivityRecord {
        ActivityRecord(id: id, timestamp: ms, eventTypeName: type, description: description, userName: admin,
                       appName: "ServiceNow", appId: "14509", clientIP: ip, targetObjectNames: targets)
    }
    let admins = [admin, admin, admin]
    return [
        ("0.111.85", record("1511373015679_167ae3eb-ed33-454a-b548-c2ed6cea6ef0", 1_511_373_004_000,
                            "EVENT_CATEGORY_LOGOUT", "Log out", ip: "13.82.149.151", targets: admins)),
        ("0.112.68", record("1511898027370_e272cd5f-31a3-48e3-8a6a-0490c042950a", 1_511_898_015_000,
                            "EVENT_CATEGORY_VIEW_REPORT", "View report: ServiceNow Report 23",
                            targets: ["23", "sys_report"] + admins)),
        ("0.112.68", record("1511897141625_7558b33f-218c-40ff-be5d-47d2bdd6b798", 1_511_897_134_000,
                            "EVENT_CATEGORY_DELETE_OBJECT", "Delete object: ServiceNow Object f5122008db360300906ff34ebf96198a",
                            targets: ["", ""] + admins)),
        ("0.112.49", record("1511815215873_824f8f8d-2ecd-439b-98b1-99a1adf7ba1c", 1_511_815_214_000,
                            "EVENT_CATEGORY_CREATE_USER", "Create user: user 747518c0db360300906ff34ebf96197c",
                            targets: ["", "747518c0db360300906ff34ebf96197c", "sys_user"] + admins)),
        ("0.112.49", record("1511815287798_bcf60601-ecef-4207-beda-3d2b8d87d383", 1_511_815_280_000,
                            "EVENT_CATEGORY_DELETE_USER", "Delete user: user 233490c0db360300906ff34ebf9619ef",
                            targets: ["", "233490c0db360300906ff34ebf9619ef", ""] + admins)),
        ("0.112.68", record("1511897117617_5be018ee-f676-4473-a9b5-5982527409be", 1_511_897_095_000,
                            "EVENT_CATEGORY_DELETE_OBJECT", "Delete object: ServiceNow Object b1709c40db360300906ff34ebf961923",
                            targets: ["", ""] + admins)),
    ]
}()

func cefLine(_ record: ActivityRecord, _ options: CEFOptions = CEFOptions()) -> String {
    var buffer: [UInt8] = []
    CEFEncoder(options: options).encode(record, into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

@Suite struct AgentCompatibilityTests {
    @Test(arguments: 0..<6)
    func reproducesTheAgentLineByteForByte(_ index: Int) {
        let (version, record) = agentRecords[index]
        let options = CEFOptions(version: version, portalURL: "https://contoso.portal.cloudappsecurity.com/")
        #expect(cefLine(record, options) == agentLines[index])
    }

    @Test func sampleLinesParseWithTheAgentKeysInOrder() throws {
        for line in agentLines {
            let parsed = try parseCEF(line)
            #expect(parsed.extensions.map(\.key) == agentKeys)
            #expect(parsed["c6a1Label"] == "\"Device IPv6 Address\"")
        }
    }

    @Test func onedriveFilePreview() throws {
        let record = ActivityRecord(
            id: "97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7", created: 1_595_096_586_840,
            timestamp: 1_595_096_313_000, eventTypeName: "EVENT_CATEGORY_UNSPECIFIED", description: "FilePreviewed",
            userName: "avishai@demistodev.onmicrosoft.com", appName: "Microsoft OneDrive for Business", appId: "15600",
            clientIP: "8.8.8.8", userAgent: "OneDriveMpc-Transform_Thumbnail/1.0",
            targetObjectNames: ["https://demistodev-my.sharepoint.com/personal/avishai_demistodev_onmicrosoft_com/",
                                "Avi Testman", "Avi Testman"])
        let parsed = try parseCEF(cefLine(record, CEFOptions(portalURL: "https://demisto.eu2.portal.cloudappsecurity.com")))
        #expect(parsed.header == ["CEF:0", "MCAS", "SIEM_Agent", "1.0", "EVENT_CATEGORY_UNSPECIFIED", "FilePreviewed", "0"])
        #expect(parsed.extensions.map(\.key) == agentKeys)
        #expect(parsed["rt"] == "1595096313000")
        #expect(parsed["suser"] == "avishai@demistodev.onmicrosoft.com")
        #expect(parsed["dvc"] == "8.8.8.8")
        #expect(parsed["c6a1"] == "")
        #expect(parsed["requestClientApplication"] == "OneDriveMpc-Transform_Thumbnail/1.0")
        #expect(parsed["cs2"] == "APPID_15600")
        #expect(parsed["cs1"] == "https://demisto.eu2.portal.cloudappsecurity.com/#/audits?activity.id=eq(97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7,)")
        #expect(parsed["cs3"] == "https://demistodev-my.sharepoint.com/personal/avishai_demistodev_onmicrosoft_com/,Avi Testman,Avi Testman")
    }

    @Test(arguments: [
        ("710e5ae7f65ad8e997e3154db373ad08c2304f63e8b49cb98347fded4652131a", "Office 365", "11161", "1.2.3.6",
         "arunvnnk_gmail.com#ext#@arunvnnkgmail.onmicrosoft.com", "Failed log on (Failure message: General failure)", "APPID_O365"),
        ("d1b3c191a5563edfbce3f11cad83155cf31552f6f0b40184b423f38e0c39f536", "Microsoft Exchange Online", "20893", "1.2.3.4",
         "john@example.onmicrosoft.com",
         "Failed log on (Failure message: Error validating credentials due to invalid username or password.)", "APPID_OUTLOOK"),
    ])
    func failedLogOnsCarryTheFailedUser(_ id: String, _ app: String, _ appId: String, _ ip: String, _ user: String,
                                        _ description: String, _ cs2: String) throws {
        let record = ActivityRecord(
            id: id, timestamp: 1_626_197_195_142, eventTypeName: "EVENT_CATEGORY_FAILED_LOGIN",
            eventCategory: "Failed log on", description: description, failedUserName: user, appName: app,
            appId: appId, clientIP: ip, userAgent: ";Windows 10;Chrome 91.0;",
            targetObjectNames: ["EWS O365", "Request ID", "Pass-through authentication", user, user])
        let parsed = try parseCEF(cefLine(record))
        #expect(parsed.header[4] == "EVENT_CATEGORY_FAILED_LOGIN")
        #expect(parsed.header[5] == "Failed log on")
        #expect(parsed["externalId"] == id) // 64 characters: never cut to CEF's 40
        #expect(parsed["suser"] == user)
        #expect(parsed["msg"] == description)
        #expect(parsed["dvc"] == ip)
        #expect(parsed["cs2"] == cs2)
        #expect(parsed["cs1"] == "") // no portal URL configured
        #expect(parsed["cs3"] == "EWS O365,Request ID,Pass-through authentication,\(user),\(user)")
    }

    @Test func nameAndSignatureFallbacks() {
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1", eventCategory: "Cat", description: "A: b")) == "Cat")
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1", description: "View report: x: y")) == "View report")
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1", description: ": starts with colon")) == ": starts with colon")
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1", description: "No colon")) == "No colon")
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1", eventTypeName: "EVENT_X")) == "EVENT_X")
        #expect(CEFEncoder.name(of: ActivityRecord(id: "1")) == "EVENT_CATEGORY_UNSPECIFIED")
        #expect(CEFEncoder.signature(of: ActivityRecord(id: "1", eventTypeName: "")) == "EVENT_CATEGORY_UNSPECIFIED")
        #expect(CEFEncoder.user(of: ActivityRecord(id: "1", userName: "u", failedUserName: "f")) == "u")
        #expect(CEFEncoder.user(of: ActivityRecord(id: "1", userName: "", failedUserName: "f")) == "f")
    }

    @Test func ipv6GoesToC6a1AndNotDvc() throws {
        let v6 = try parseCEF(cefLine(ActivityRecord(id: "1", clientIP: "2001:db8::1")))
        #expect(v6["dvc"] == "" && v6["c6a1"] == "2001:db8::1")
        for junk in ["1.2.3.4 x=y", "1.2.3.4\u{0}x", "::1\u{0}\n", "1.2.3.256", "fe80::1%eth0", ""] {
            let parsed = try parseCEF(cefLine(ActivityRecord(id: "1", clientIP: junk)))
            #expect(parsed["dvc"] == "" && parsed["c6a1"] == "", "\(junk)")
        }
        let mapped = try parseCEF(cefLine(ActivityRecord(id: "1", clientIP: "::ffff:1.2.3.4")))
        #expect(mapped["dvc"] == "" && mapped["c6a1"] == "::ffff:1.2.3.4")
    }

    @Test func unknownAndMissingAppIds() throws {
        #expect(try parseCEF(cefLine(ActivityRecord(id: "1", appId: "33626")))["cs2"] == "APPID_33626")
        #expect(try parseCEF(cefLine(ActivityRecord(id: "1")))["cs2"] == "")
        #expect(try parseCEF(cefLine(ActivityRecord(id: "1", appId: "x=1")))["cs2"] == "APPID_x=1")
    }
}
