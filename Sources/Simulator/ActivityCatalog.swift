/// The vocabulary of generated activities: apps, event kinds, users and places, taken from
/// the real records in `samples/activities-real.json` and the SIEM agent's documented samples.
enum ActivityCatalog {
    struct EventKind: Sendable {
        var typeName: String          // eventTypeName, the CEF signature id
        var typeValue: String         // eventTypeValue
        var eventType: Int
        var category: String?         // description_metadata.event_category (nil: not sent)
        var descriptionID: String
        var genericType: String
        var mainType: String          // mainInfo.type
        var operation: String         // mainInfo.rawOperationName
    }

    struct App: Sendable {
        var id: Int
        var name: String
        var kinds: [EventKind]
    }

    static let login = EventKind(
        typeName: "EVENT_CATEGORY_LOGIN", typeValue: "EVENT_AAD_LOGIN", eventType: 2_293_760,
        category: "Log on", descriptionID: "EVENT_DESCRIPTION_LOGIN",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_LOGIN", mainType: "login", operation: "OAuth2:Authorize")
    static let failedLogin = EventKind(
        typeName: "EVENT_CATEGORY_FAILED_LOGIN", typeValue: "EVENT_AAD_LOGIN_FAILED", eventType: 2_293_761,
        category: "Failed log on", descriptionID: "EVENT_DESCRIPTION_FAILED_LOGIN",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_FAILED_LOGIN", mainType: "failedLogin", operation: "OAuth2:Token")
    static let download = EventKind(
        typeName: "EVENT_CATEGORY_DOWNLOAD_FILE", typeValue: "EVENT_O365_ONEDRIVE_FILE_DOWNLOADED", eventType: 233_593,
        category: "Download file", descriptionID: "EVENT_DESCRIPTION_DOWNLOAD_FILE",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_BASIC", mainType: "basic", operation: "FileDownloaded")
    static let logout = EventKind(
        typeName: "EVENT_CATEGORY_LOGOUT", typeValue: "EVENT_SERVICENOW_LOGOUT", eventType: 1_441_793,
        category: "Log out", descriptionID: "EVENT_DESCRIPTION_LOGOUT",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_LOGOUT", mainType: "logout", operation: "logout")
    static let unspecified = EventKind(
        typeName: "EVENT_CATEGORY_UNSPECIFIED", typeValue: "EVENT_O365_ONEDRIVE_GENERIC", eventType: 233_580,
        category: nil, descriptionID: "EVENT_DESCRIPTION_BASIC_EVENT",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_BASIC", mainType: "basic", operation: "FilePreviewed")
    static let viewReport = EventKind(
        typeName: "EVENT_CATEGORY_VIEW_REPORT", typeValue: "EVENT_SERVICENOW_VIEW_REPORT", eventType: 1_441_800,
        category: "View report", descriptionID: "EVENT_DESCRIPTION_VIEW_REPORT",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_BASIC", mainType: "basic", operation: "report_view")
    static let deleteObject = EventKind(
        typeName: "EVENT_CATEGORY_DELETE_OBJECT", typeValue: "EVENT_SERVICENOW_DELETE_RECORD", eventType: 1_441_801,
        category: "Delete object", descriptionID: "EVENT_DESCRIPTION_DELETE_OBJECT",
        genericType: "ENUM_ACTIVITY_GENERIC_TYPE_BASIC", mainType: "basic", operation: "record_deletion")

    static let apps: [App] = [
        App(id: 11161, name: "Office 365", kinds: [login, login, failedLogin, unspecified]),
        App(id: 20893, name: "Microsoft Exchange Online", kinds: [login, failedLogin, unspecified]),
        App(id: 15600, name: "Microsoft OneDrive for Business", kinds: [download, download, unspecified]),
        App(id: 20892, name: "Microsoft SharePoint Online", kinds: [download, unspecified]),
        App(id: 14509, name: "ServiceNow", kinds: [login, logout, viewReport, deleteObject]),
        App(id: 10489, name: "Box", kinds: [login, download, logout]),
        App(id: 11114, name: "Salesforce", kinds: [login, logout, viewReport]),
    ]

    static let firstNames = ["alex", "maria", "john", "wei", "fatima", "olga", "kenji", "amara", "lucas",
                             "priya", "noah", "sofia", "omar", "ines", "david", "chen"]
    static let lastNames = ["smith", "garcia", "example", "zhang", "haddad", "ivanova", "tanaka",
                            "okafor", "martin", "sharma", "cohen", "rossi"]
    static let domains = ["contoso.com", "contoso.onmicrosoft.com", "fabrikam.com"]

    struct Place: Sendable {
        var country: String, city: String, region: String, latitude: Double, longitude: Double, org: String
    }
    static let places: [Place] = [
        Place(country: "NL", city: "amsterdam", region: "noord-holland", latitude: 52.30905, longitude: 4.94019, org: "eunetworks"),
        Place(country: "DE", city: "frankfurt am main", region: "hessen", latitude: 50.1109, longitude: 8.6821, org: "Amazon Web Services"),
        Place(country: "IL", city: "Tel Aviv", region: "Tel Aviv", latitude: 32.0679, longitude: 34.7604, org: "Cellcom Group"),
        Place(country: "US", city: "seattle", region: "washington", latitude: 47.6062, longitude: -122.3321, org: "Microsoft Azure"),
        Place(country: "GB", city: "london", region: "england", latitude: 51.5072, longitude: -0.1276, org: "British Telecom"),
        Place(country: "JP", city: "tokyo", region: "tokyo", latitude: 35.6762, longitude: 139.6503, org: "NTT Communications"),
    ]

    struct Agent: Sendable {
        var raw: String, family: String, name: String, os: String, osFamily: String, deviceType: String, type: String
    }
    static let agents: [Agent] = [
        Agent(raw: ";Windows 10;Chrome 91.0;", family: "CHROME", name: "Chrome", os: "Windows 10", osFamily: "Windows", deviceType: "DESKTOP", type: "Browser"),
        Agent(raw: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
              family: "SAFARI", name: "Safari", os: "macOS", osFamily: "OS X", deviceType: "DESKTOP", type: "Browser"),
        Agent(raw: "OneDriveMpc-Transform_Thumbnail/1.0", family: "MICROSOFT_ONEDRIVE_FOR_BUSINESS",
              name: "Microsoft OneDrive for Business", os: "Unknown", osFamily: "Unknown", deviceType: "OTHER", type: "Application"),
        Agent(raw: ";;Python Requests 2.25;", family: "UNKNOWN", name: "Unknown", os: "Unknown", osFamily: "Unknown", deviceType: "OTHER", type: "Unknown"),
        Agent(raw: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148", family: "MOBILE_SAFARI",
              name: "Mobile Safari", os: "iOS", osFamily: "iOS", deviceType: "MOBILE", type: "Browser"),
    ]

    static let fileNames = ["iban example.docx", "Q3 forecast.xlsx", "board-minutes.pdf", "salaries 2024.xlsx",
                            "roadmap.pptx", "contract_signed.pdf", "notes.txt"]
}
