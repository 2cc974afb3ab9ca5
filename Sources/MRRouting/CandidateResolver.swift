import MRCatalog
import MRConfig

/// Turns a request's `model` into deployments (SPEC "Routing", candidates): a model id, an alias's members
/// in order, or, for `auto`, every model with the required capability.
///
/// Pure: it reads a catalog snapshot and the aliases, nothing else.
public struct CandidateResolver: Sendable {
    /// The name that lets the router choose among every model.
    public static let automatic = "auto"

    public let catalog: Catalog
    public let aliases: [ModelAlias]

    public init(catalog: Catalog, aliases: [ModelAlias]) {
        self.catalog = catalog
        self.aliases = aliases
    }

    /// A deployment with its model and preference position.
    public struct Resolved: Sendable, Hashable {
        public var model: String
        public var deployment: CatalogDeployment
        public var preference: Int
    }

    /// Why a name resolves to nothing.
    public enum Failure: Error, Sendable, Hashable {
        /// No model, alias or upstream id of that name (404).
        case unknownModel(String)
        /// Known, but no deployment can do what the endpoint needs (400).
        case unsupported(model: String, capability: Capability)
        /// `auto` (or an alias) found no model with the capability (503).
        case noCandidates(String)
    }

    /// The deployments `name` stands for that can serve `endpoint` (chat or embedding). For `auto`, only
    /// models that also have `preferred` (the request's `route.capability`) when given.
    public func resolve(_ name: String, endpoint: Capability, preferred: Capability? = nil) throws(Failure)
        -> [Resolved]
    {
        if name == Self.automatic {
            var result: [Resolved] = []
            for model in catalog.models {
                for deployment in model.deployments
                where deployment.capabilities.contains(endpoint)
                    && preferred.map({ deployment.capabilities.contains($0) }) ?? true
                {
                    result.append(Resolved(model: model.id, deployment: deployment, preference: result.count))
                }
            }
            guard !result.isEmpty else {
                let wanted = [endpoint.rawValue] + (preferred.map { [$0.rawValue] } ?? [])
                throw .noCandidates(
                    "no model in the catalog has the capabilities \(wanted.joined(separator: " and "))")
            }
            return result
        }
        if let alias = aliases.first(where: { $0.name == name }) {
            var result: [Resolved] = []
            var unsupported = false
            for member in alias.models {
                guard let model = lookup(member) else { continue }
                let usable = model.deployments.filter { $0.capabilities.contains(endpoint) }
                if usable.isEmpty { unsupported = true }
                for deployment in usable {
                    result.append(Resolved(model: model.id, deployment: deployment, preference: result.count))
                }
            }
            guard !result.isEmpty else {
                if unsupported { throw .unsupported(model: name, capability: endpoint) }
                throw .noCandidates(
                    "alias '\(name)' names no model the catalog knows (\(alias.models.joined(separator: ", ")))")
            }
            return result
        }
        guard let model = lookup(name) else { throw .unknownModel(name) }
        let usable = model.deployments.filter { $0.capabilities.contains(endpoint) }
        guard !usable.isEmpty else { throw .unsupported(model: model.id, capability: endpoint) }
        return usable.enumerated().map { Resolved(model: model.id, deployment: $1, preference: $0) }
    }

    /// A model by catalog id, else by a provider's own id for it (`claude-sonnet-4-5` for
    /// `anthropic/claude-sonnet-4-5`), so clients written against a vendor's names keep working.
    func lookup(_ name: String) -> CatalogModel? {
        if let model = catalog.model(id: name) { return model }
        return catalog.models.first { model in model.deployments.contains { $0.upstreamID == name } }
    }
}
