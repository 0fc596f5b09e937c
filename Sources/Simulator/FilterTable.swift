/// The documented activity filter table (`samples/activity-filters.md`): field → operators.
/// The simulator keeps its own copy so it does not depend on the forwarder's MDCA module; it
/// rejects what the real service rejects (unknown field, operator not allowed for the field).
enum FilterTable {
    static let operators: [String: Set<String>] = [
        "service": ["eq", "neq"],
        "instance": ["eq", "neq"],
        "user.orgUnit": ["eq", "neq", "isset", "isnotset"],
        "activity.eventActionType": ["eq", "neq"],
        "activity.id": ["eq"],
        "activity.impersonated": ["eq"],
        "activity.type": ["eq"],
        "activity.takenAction": ["eq", "neq"],
        "actionType": ["contains", "eq", "neq", "isset", "isnotset"],
        "device.type": ["eq", "neq"],
        "device.tags": ["eq", "neq"],
        "userAgent.userAgent": ["contains", "ncontains"],
        "userAgent.tags": ["eq", "neq"],
        "location.country": ["eq", "neq", "isset", "isnotset"],
        "location.organizations": ["eq", "neq", "isset", "isnotset", "contains"],
        "ip.address": ["eq", "startswith", "doesnotstartwith", "isset", "isnotset", "neq"],
        "fileSelector": ["eq", "neq"],
        "office365url": ["startswith", "eq", "endswith"],
        "fileId": ["eq"],
        "ip.category": ["eq", "neq"],
        "ip.tags": ["eq", "neq"],
        "text": ["eq", "startswithsingle", "text"],
        "date": ["lte", "gte", "range", "lte_ndays", "gte_ndays"],
        "policy": ["eq", "neq", "isset", "isnotset"],
        "source": ["eq", "neq"],
        "activity.alertId": ["eq"],
        "activityObject": ["eq", "neq"],
        "fileLabels": ["eq", "neq"],
        "created": ["lte", "gte", "range", "gt", "lt", "eq"],
        "entity": ["eq", "neq", "isset", "isnotset", "startswith"],
        "user.username": ["eq", "neq", "isset", "isnotset", "startswith"],
        "user.tags": ["eq", "neq", "isset", "isnotset", "startswith"],
        "user.domain": ["eq", "neq", "isset", "isnotset"],
        // Not in the documented table: a simulator convenience, same meaning as `service`.
        "appId": ["eq", "neq"],
    ]

    /// Fields the simulator evaluates; every other documented field is accepted and ignored.
    static let evaluated: Set<String> = ["created", "date", "service", "appId", "user.username", "activity.id"]
}
