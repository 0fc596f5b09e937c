/// One entry of an alert's `entities` list (`{type, id, label, …}`), the members the CEF
/// mapping reads. Like the record, every member is the value's text, nil when absent or not a
/// scalar.
public struct AlertEntity: Sendable, Equatable {
    /// `type`: `policyRule`, `service`, `account`, `user`, `ip`, `file`, `device`, `groupTag`, …
    public var type: String?
    /// `id` as text (a service's id is a number, e.g. `15600`; an ip entity's id is the address).
    public var id: String?
    public var label: String?
    /// `policyType` of a `policyRule` entity: `AUDIT`, `FILE`, `ANOMALY_DETECTION`, …
    public var policyType: String?
    /// `em` / `pa` of an `account` entity (e-mail, principal name).
    public var email: String?
    public var principal: String?
    /// `entityRole`: `Source`, `Related`, …
    public var role: String?

    public init(
        type: String? = nil, id: String? = nil, label: String? = nil, policyType: String? = nil,
        email: String? = nil, principal: String? = nil, role: String? = nil
    ) {
        self.type = type
        self.id = id
        self.label = label
        self.policyType = policyType
        self.email = email
        self.principal = principal
        self.role = role
    }
}
