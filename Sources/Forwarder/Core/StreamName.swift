/// The streams the forwarder reads from a tenant (PRODUCT §9, §10 `stream` label).
public enum StreamName: String, Sendable, CaseIterable {
    case activities
    case alerts
}
