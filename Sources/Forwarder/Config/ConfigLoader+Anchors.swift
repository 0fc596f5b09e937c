import Yams

extension ConfigLoader {
    /// Refuses YAML anchors and aliases (`&name`, `*name`, `<<: *name`) anywhere in the file.
    ///
    /// An alias shares its anchor's node, so a kilobyte of nested aliases (a "billion laughs"
    /// bomb) composes cheaply but expands exponentially once walked: every later step (key
    /// checks, filter validation, rendering) would take seconds and gigabytes. A configuration
    /// this small gains nothing from them.
    ///
    /// The walk stops at the first anchored node. An anchor is defined before any alias can use
    /// it, so that node is met before any shared copy is walked: the walk stays linear.
    static func refuseAnchors(_ root: Node, file: String) throws(ConfigError) {
        if let (keyPath, node) = firstAnchored(root, at: "") {
            let name = node.anchor.map { " &\($0.rawValue)" } ?? ""
            throw ConfigError(
                file: file, keyPath: keyPath, line: node.mark?.line, column: node.mark?.column,
                message: "YAML anchors and aliases are not allowed in the configuration (found anchor\(name)); write each value out in full")
        }
    }

    private static func firstAnchored(_ node: Node, at keyPath: String) -> (String, Node)? {
        if node.anchor != nil { return (keyPath, node) }
        switch node {
        case .scalar:
            return nil
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = firstAnchored(item, at: "\(keyPath)[\(index)]") { return found }
            }
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.scalar?.string ?? "?"
                let childPath = keyPath.isEmpty ? name : keyPath + "." + name
                if let found = firstAnchored(key, at: childPath) ?? firstAnchored(value, at: childPath) { return found }
            }
            return nil
        case .alias:
            return (keyPath, node)
        }
    }
}
