/// An `aliases` entry: a name a request may use as its `model`, standing for an ordered list of models
/// (the router tries them as candidates).
public struct ModelAlias: Sendable, Hashable {
    /// The alias, e.g. `fast-chat`.
    public var name: String
    /// Model ids, in preference order; never empty.
    public var models: [String]

    /// An alias.
    public init(name: String, models: [String]) {
        self.name = name
        self.models = models
    }
}

extension ModelAlias {
    /// Names a request uses for something else, so no alias may take them.
    static let reservedNames: Set<String> = ["auto"]

    /// Decodes the `aliases` mapping, in file order (names are unique: YAML keys are).
    static func list(from node: ConfigNode) throws(ConfigError) -> [ModelAlias] {
        var aliases: [ModelAlias] = []
        for entry in try node.mapping(allowedKeys: nil).entries {
            let name = entry.key
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw entry.keyNode.failure(.invalidValue, "an alias name must be non-empty without whitespace")
            }
            guard !reservedNames.contains(name) else {
                throw entry.keyNode.failure(.invalidValue, "\"\(name)\" is reserved (the router's automatic choice)")
            }
            var models: [String] = []
            for item in try entry.value.list() {
                let id = try item.modelID()
                if models.contains(id) {
                    throw item.failure(.duplicateID, "model \"\(id)\" is listed twice")
                }
                models.append(id)
            }
            guard !models.isEmpty else {
                throw entry.value.failure(.invalidValue, "an alias needs at least one model id")
            }
            aliases.append(ModelAlias(name: name, models: models))
        }
        return aliases
    }
}
