import Yams

/// What every node of one file shares while it is decoded.
struct DecodingContext {
    /// The file name used in error messages.
    let file: String
    let expansion: EnvironmentExpansion
}

/// A YAML node that knows its key path and its place in the file, so that every error it raises says
/// `file:line:column: key.path: message`. The section decoders read the file through it.
struct ConfigNode {
    let node: Node
    /// Dotted key path from the top of the file (`probes.workers`, `providers[1].models[0].id`).
    let path: String
    let context: DecodingContext

    /// An error located at this node.
    func failure(_ kind: ConfigError.Kind, _ message: String) -> ConfigError {
        ConfigError(
            kind: kind, file: context.file, line: node.mark?.line, column: node.mark?.column, keyPath: path,
            message: message)
    }

    /// The node for `key` in this mapping.
    func child(_ key: String, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", context: context)
    }

    /// The node at `index` in this list.
    func element(_ index: Int, _ node: Node) -> ConfigNode {
        ConfigNode(node: node, path: "\(path)[\(index)]", context: context)
    }

    /// True for a YAML null: an empty value, `~` or `null` written without quotes.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            [Tag.Name.implicit.rawValue, Tag.Name.null.rawValue].contains(scalar.tag.rawValue)
        else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the node's shape is named in "expected X, got Y" messages.
    var shapeDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing (null)" }
            return scalar.style == .plain ? "\"\(scalar.string)\"" : "the quoted string \"\(scalar.string)\""
        }
    }

    /// This node as a mapping whose keys must all be in `allowedKeys`; null reads as an empty mapping,
    /// so a section whose keys are all commented out is fine.
    func mapping(allowedKeys: [String]?) throws(ConfigError) -> ConfigMapping {
        if isNull { return ConfigMapping(owner: self, entries: []) }
        guard case .mapping(let mapping) = node else {
            throw failure(.typeMismatch, "expected a mapping, got \(shapeDescription)")
        }
        var entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                let located = ConfigNode(node: keyNode, path: path, context: context)
                throw located.failure(.typeMismatch, "a key must be a string, got \(located.shapeDescription)")
            }
            let key = keyScalar.string
            let located = child(key, keyNode)
            if let allowedKeys, !allowedKeys.contains(key) {
                throw located.failure(.unknownKey, Self.unknownKeyMessage(key, allowed: allowedKeys))
            }
            if let first = entries.first(where: { $0.key == key }) {
                let firstLine = first.keyNode.node.mark.map { " (first at line \($0.line))" } ?? ""
                throw located.failure(.duplicateKey, "duplicate key \"\(key)\"\(firstLine)")
            }
            entries.append((key, located, child(key, valueNode)))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// This node as a list; null reads as an empty list.
    func list() throws(ConfigError) -> [ConfigNode] {
        if isNull { return [] }
        guard case .sequence(let sequence) = node else {
            throw failure(.typeMismatch, "expected a list, got \(shapeDescription)")
        }
        return sequence.enumerated().map { element($0.offset, $0.element) }
    }

    private static func unknownKeyMessage(_ key: String, allowed: [String]) -> String {
        var message = "unknown key \"\(key)\""
        let closest = allowed.map { ($0, editDistance($0, key)) }.min { $0.1 < $1.1 }
        if let (suggestion, distance) = closest, distance <= max(2, key.count / 3) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        if allowed.isEmpty {
            message += " (this mapping takes no keys)"
        } else {
            message += " (known keys: \(allowed.joined(separator: ", ")))"
        }
        return message
    }

    /// Levenshtein distance, for "did you mean" hints.
    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A decoded mapping: its entries in file order, each value a ``ConfigNode`` with its key path.
struct ConfigMapping {
    let owner: ConfigNode
    let entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)]

    /// The value for `key`, or nil when the key is absent.
    subscript(_ key: String) -> ConfigNode? {
        entries.first { $0.key == key }?.value
    }

    /// The value for a key that must be present; its absence is reported at the mapping itself.
    func required(_ key: String, hint: String = "") throws(ConfigError) -> ConfigNode {
        guard let value = self[key] else {
            throw owner.failure(.missingKey, "missing required key \"\(key)\"\(hint)")
        }
        return value
    }
}
