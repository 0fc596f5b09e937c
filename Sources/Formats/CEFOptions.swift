/// The CEF header constants and the tenant link used by ``CEFEncoder``.
public struct CEFOptions: Sendable, Equatable {
    /// Device Vendor; the retired agent sent `MCAS` (SC4S and other parsers key on it).
    public var vendor: String = "MCAS"
    /// Device Product; the retired agent sent `SIEM_Agent`.
    public var product: String = "SIEM_Agent"
    /// Device Version; the retired agent sent its own version (e.g. `0.112.68`).
    public var version: String = "1.0"
    /// The tenant's portal URL, e.g. `https://contoso.eu2.portal.cloudappsecurity.com`, used in
    /// `cs1` (a link to the activity). A trailing `/` is removed. Empty: `cs1` is empty.
    public var portalURL: String = ""
    /// `appId` → agent app name for `cs2=APPID_<name>`. Ids not in the table give
    /// `APPID_<appId>`, as Microsoft's own sample `cs2=APPID_33626` shows.
    public var appNames: [String: String] = CEFOptions.knownAppNames

    /// App names the retired agent is documented to have sent (Microsoft's samples show
    /// `APPID_SERVICENOW`, `APPID_BOX`, `APPID_SALESFORCE`, `APPID_O365`, `APPID_OUTLOOK`),
    /// keyed by the service's Defender for Cloud Apps app id.
    public static let knownAppNames: [String: String] = [
        "11161": "O365",        // Office 365 (appId in activities-real.json)
        "20893": "OUTLOOK",     // Microsoft Exchange Online (appId in activities-real.json)
        "14509": "SERVICENOW",  // ServiceNow
        "10489": "BOX",         // Box
        "11114": "SALESFORCE",  // Salesforce
    ]

    public init(
        vendor: String = "MCAS", product: String = "SIEM_Agent", version: String = "1.0",
        portalURL: String = "", appNames: [String: String] = CEFOptions.knownAppNames
    ) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.portalURL = portalURL
        self.appNames = appNames
    }
}
