/// The release version, also the default CEF device version.
public enum ForwarderVersion {
    public static let string = "0.1.0"
}
