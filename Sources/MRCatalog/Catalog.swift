#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An immutable snapshot of every known model, swapped as a whole when discovery finds something new, so
/// readers (HTTP handlers on libmicrohttpd threads, the router) never see a half-merged catalog.
public struct Catalog: Sendable {
    /// A publisher and how many models it has.
    public struct Publisher: Sendable, Hashable {
        public var name: String
        public var modelCount: Int
    }

    /// Every model, sorted by id (UTF-8 byte order).
    public let models: [CatalogModel]
    /// When this snapshot was built.
    public let updatedAt: Date
    private let indexByID: [String: Int]
    private let indexByDeployment: [DeploymentKey: Int]

    private struct DeploymentKey: Hashable {
        var providerID: String
        var upstreamID: String
    }

    /// A snapshot of `models` (sorted here; when two share an id, the first is kept).
    public init(models: [CatalogModel], updatedAt: Date = Date()) {
        var unique: [CatalogModel] = []
        var seen = Set<String>()
        unique.reserveCapacity(models.count)
        for model in models where seen.insert(model.id).inserted { unique.append(model) }
        // Byte order (the same as `<` for the ASCII ids met in practice, and several times faster).
        unique.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        self.models = unique
        self.updatedAt = updatedAt
        var byID: [String: Int] = [:]
        var byDeployment: [DeploymentKey: Int] = [:]
        byID.reserveCapacity(unique.count)
        for (index, model) in unique.enumerated() {
            byID[model.id] = index
            for deployment in model.deployments {
                let key = DeploymentKey(providerID: deployment.providerID, upstreamID: deployment.upstreamID)
                if byDeployment[key] == nil { byDeployment[key] = index }
            }
        }
        self.indexByID = byID
        self.indexByDeployment = byDeployment
    }

    /// No models at all.
    public static let empty = Catalog(models: [], updatedAt: Date(timeIntervalSince1970: 0))

    /// The model with this id.
    public func model(id: String) -> CatalogModel? {
        indexByID[id].map { models[$0] }
    }

    /// The model a provider serves under its own name `upstreamID`.
    public func model(providerID: String, upstreamID: String) -> CatalogModel? {
        indexByDeployment[DeploymentKey(providerID: providerID, upstreamID: upstreamID)].map { models[$0] }
    }

    /// Publishers with their model counts, sorted by name.
    public var publishers: [Publisher] {
        var counts: [String: Int] = [:]
        for model in models { counts[model.publisher, default: 0] += 1 }
        return counts.map { Publisher(name: $0.key, modelCount: $0.value) }.sorted { $0.name < $1.name }
    }

    /// How many deployments each provider has, by provider id.
    public var deploymentCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for model in models {
            for deployment in model.deployments { counts[deployment.providerID, default: 0] += 1 }
        }
        return counts
    }

    /// The number of models.
    public var count: Int { models.count }
}
