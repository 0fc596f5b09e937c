/// Length limits of CEF fields, in bytes of escaped output.
///
/// The values are the field lengths of the ArcSight CEF specification ("Implementing ArcSight
/// CEF", the extension dictionary), which ArcSight connectors truncate to anyway. They are
/// counted in UTF-8 bytes after escaping, which is never more characters than the spec allows.
/// `externalId` is deliberately *not* limited: the spec says 40 characters, but activity ids
/// are longer (up to 64 hex characters, or `<ms>_<uuid>` of 50) and an id cut short no longer
/// identifies its activity, which breaks de-duplication and the portal link.
public enum CEFLimits {
    /// Device Vendor, Device Product, Device Version.
    public static let vendor = 63
    public static let product = 63
    public static let version = 63
    /// Signature ID (the activity's `eventTypeName`).
    public static let signature = 1023
    /// Name (the activity's display name).
    public static let name = 512
    /// `msg`, `suser`, `destinationServiceName`, `requestClientApplication`.
    public static let message = 1023
    public static let sourceUser = 1023
    public static let destinationServiceName = 1023
    public static let requestClientApplication = 1023
    /// `cs1` … `cs4` (custom strings).
    public static let customString = 4000
    /// `dvc` and `c6a1` hold a validated IP literal, never longer than 45 bytes.
    public static let address = 64
}
