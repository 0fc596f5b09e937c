import ActivityJSON
import Foundation
import Testing

/// The three real records of samples/activities-real.json decode to their known values.
@Suite struct RealRecordTests {
    @Test func oneDriveRecordWithEntityDataObject() throws {
        let record = try ActivityRecord.parse(try Samples.realRecords()[0])
        #expect(record.id == "97134000_15600_97ee2049-893e-4c9d-a312-08d82b46faf7")
        #expect(record.created == 1_595_096_586_840)
        #expect(record.timestamp == 1_595_096_313_000)
        #expect(record.eventTypeName == "EVENT_CATEGORY_UNSPECIFIED")
        #expect(record.appId == "15600")
        #expect(record.appName == "Microsoft OneDrive for Business")
        #expect(record.description == "FilePreviewed")
        #expect(record.userName == "avishai@demistodev.onmicrosoft.com")
        #expect(record.failedUserName == nil)
        #expect(record.clientIP == "8.8.8.8")
        #expect(record.userAgent == "OneDriveMpc-Transform_Thumbnail/1.0")
        #expect(record.targetObjectNames == [
            "https://demistodev-my.sharepoint.com/personal/avishai_demistodev_onmicrosoft_com/",
            "Avi Testman", "Avi Testman",
        ])
        #expect(record.policyIDs.isEmpty)
    }

    @Test func failedLogonRecord() throws {
        let record = try ActivityRecord.parse(try Samples.realRecords()[1])
        #expect(record.id == "710e5ae7f65ad8e997e3154db373ad08c2304f63e8b49cb98347fded4652131a")
        #expect(record.created == 1_626_197_535_294)
        #expect(record.timestamp == 1_626_197_195_142)
        #expect(record.eventTypeName == "EVENT_CATEGORY_FAILED_LOGIN")
        #expect(record.eventCategory == "Failed log on")
        #expect(record.description == "Failed log on (Failure message: General failure)")
        #expect(record.appId == "11161")
        #expect(record.appName == "Office 365")
        #expect(record.userName == nil)  // `user` has only userTags
        #expect(record.failedUserName == "arunvnnk_gmail.com#ext#@arunvnnkgmail.onmicrosoft.com")
        #expect(record.clientIP == "1.2.3.6")
        #expect(record.userAgent == ";Windows 10;Chrome 91.0;")
        #expect(record.targetObjectNames.count == 5)
        #expect(record.targetObjectNames.prefix(3) == ["EWS O365", "Request ID", "Pass-through authentication"])
    }

    @Test func exchangeOnlineRecord() throws {
        let record = try ActivityRecord.parse(try Samples.realRecords()[2])
        #expect(record.id == "d1b3c191a5563edfbce3f11cad83155cf31552f6f0b40184b423f38e0c39f536")
        #expect(record.eventCategory == "Failed log on")
        #expect(record.appId == "20893")
        #expect(record.appName == "Microsoft Exchange Online")
        #expect(record.clientIP == "1.2.3.4")
        #expect(record.failedUserName == "john@example.onmicrosoft.com")
        #expect(record.userAgent == ";;Python Requests 2.25;")
        #expect(record.targetObjectNames == [
            "Office 365 Exchange Online", "Request ID", "Pass-through authentication",
            "john@example.onmicrosoft.com", "John Example", "John Example",
        ])
    }

    @Test func pageOfRealRecordsKeepsEachRecordsBytes() throws {
        let records = try Samples.realRecords()
        let page = try ActivityPage.parse(Samples.page(records))
        try #require(page.records.count == 3)
        for (parsed, original) in zip(page.records, records) {
            #expect(Array(parsed.rawJSON) == original)
            #expect(parsed == (try ActivityRecord.parse(original)))
        }
        #expect(page.records.map(\.targetObjectNames.count) == [3, 5, 6])
    }
}
