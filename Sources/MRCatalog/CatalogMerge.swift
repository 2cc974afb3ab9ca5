import MRConfig
import MRProviders

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One provider's input to the merge: its configuration and what its listing said.
public struct ProviderListing: Sendable {
    public var config: ProviderConfig
    /// Everything this provider serves is simulated.
    public var simulated: Bool
    /// The last known listing; empty for providers that do not discover.
    public var discovered: [DiscoveredModel]

    public init(config: ProviderConfig, simulated: Bool, discovered: [DiscoveredModel]) {
        self.config = config
        self.simulated = simulated
        self.discovered = discovered
    }
}

/// Discovered models + configuration overrides → a catalog. Pure: same input, same catalog.
///
/// Per provider, a `models` override applies to the discovered model whose upstream id is the override's
/// `upstream_id`, or whose model id is the override's `id`; an override that matches nothing is added as a
/// model of its own (how providers without discovery get models). From an override, the id, capabilities
/// (replacing inference), costs, context length and probe switch win over what the listing says. A model
/// id served by several providers becomes one model with one deployment per provider, in provider order.
public enum CatalogMerge {
    /// How overrides and models are looked up; `.linearScan` exists only as the benchmark's baseline.
    package enum Lookup: Sendable {
        /// Hash maps built once per merge: O(n + m).
        case indexed
        /// Re-scans the override list for each model and the model list for each deployment: O(n·m).
        case linearScan
    }

    /// The catalog for these providers, in the given order (which orders each model's deployments).
    public static func merge(_ listings: [ProviderListing], at date: Date = Date()) -> Catalog {
        merge(listings, at: date, lookup: .indexed)
    }

    package static func merge(_ listings: [ProviderListing], at date: Date, lookup: Lookup) -> Catalog {
        var builders: [ModelBuilder] = []
        var builderIndex: [String: Int] = [:]
        for listing in listings {
            for entry in entries(of: listing, lookup: lookup) {
                let existing: Int?
                switch lookup {
                case .indexed: existing = builderIndex[entry.modelID]
                case .linearScan: existing = builders.firstIndex { $0.id == entry.modelID }
                }
                if let existing {
                    builders[existing].add(entry)
                } else {
                    builderIndex[entry.modelID] = builders.count
                    builders.append(ModelBuilder(entry))
                }
            }
        }
        return Catalog(models: builders.map { $0.build() }, updatedAt: date)
    }

    /// One provider's deployments, each with the model id it belongs to.
    struct Entry {
        var modelID: String
        var displayName: String?
        var deployment: CatalogDeployment
    }

    static func entries(of listing: ProviderListing, lookup: Lookup) -> [Entry] {
        let config = listing.config
        let overrides = config.models
        let resolvedIDs = overrides.map { resolvedID(of: $0, ownedBy: nil, config: config) }
        var byUpstream: [String: Int] = [:]
        var byID: [String: Int] = [:]
        if lookup == .indexed {
            for (index, override) in overrides.enumerated() {
                if byUpstream[override.upstreamID] == nil { byUpstream[override.upstreamID] = index }
                if byID[resolvedIDs[index]] == nil { byID[resolvedIDs[index]] = index }
                if byID[override.id] == nil { byID[override.id] = index }
            }
        }
        func findOverride(upstreamID: String, modelID: String) -> Int? {
            switch lookup {
            case .indexed:
                return byUpstream[upstreamID] ?? byID[modelID]
            case .linearScan:
                return overrides.firstIndex { $0.upstreamID == upstreamID }
                    ?? overrides.indices.first { resolvedIDs[$0] == modelID || overrides[$0].id == modelID }
            }
        }

        var entries: [Entry] = []
        entries.reserveCapacity(listing.discovered.count + overrides.count)
        var used = [Bool](repeating: false, count: overrides.count)
        var seen = Set<String>()
        for model in listing.discovered {
            let derivedID = ModelIdentity.modelID(
                upstreamID: model.upstreamID, ownedBy: model.ownedBy, providerType: config.type,
                providerID: config.id)
            let index = findOverride(upstreamID: model.upstreamID, modelID: derivedID)
            let override = index.map { overrides[$0] }
            if let index { used[index] = true }
            let modelID = override.map { resolvedID(of: $0, ownedBy: model.ownedBy, config: config) } ?? derivedID
            guard seen.insert(modelID).inserted else { continue }
            let capabilities =
                override?.capabilities
                ?? CapabilityInference.infer(id: modelID, hints: model.hints, declared: model.declaredCapabilities)
            let deployment = CatalogDeployment(
                providerID: config.id, upstreamID: model.upstreamID,
                inputCostPerMTok: override?.inputCostPerMTok ?? model.inputCostPerMTok,
                outputCostPerMTok: override?.outputCostPerMTok ?? model.outputCostPerMTok,
                contextLength: override?.contextLength ?? model.contextLength,
                probeEnabled: override?.probe ?? config.probe, simulated: listing.simulated,
                capabilities: capabilities)
            entries.append(Entry(modelID: modelID, displayName: model.displayName, deployment: deployment))
        }
        for (index, override) in overrides.enumerated() where !used[index] {
            let modelID = resolvedIDs[index]
            guard seen.insert(modelID).inserted else { continue }
            let deployment = CatalogDeployment(
                providerID: config.id, upstreamID: override.upstreamID, inputCostPerMTok: override.inputCostPerMTok,
                outputCostPerMTok: override.outputCostPerMTok, contextLength: override.contextLength,
                probeEnabled: override.probe ?? config.probe, simulated: listing.simulated,
                capabilities: override.capabilities ?? CapabilityInference.infer(id: modelID))
            entries.append(Entry(modelID: modelID, displayName: nil, deployment: deployment))
        }
        return entries
    }

    /// An override's id as a model id: as written when it has a publisher, else given one like a
    /// discovered id (`id: gpt-4o` at the `openai` provider is `openai/gpt-4o`).
    static func resolvedID(of override: ModelOverride, ownedBy: String?, config: ProviderConfig) -> String {
        ModelIdentity.modelID(
            upstreamID: override.id, ownedBy: ownedBy, providerType: config.type, providerID: config.id)
    }

    /// Collects one model's deployments across providers.
    struct ModelBuilder {
        var id: String
        var displayName: String?
        var deployments: [CatalogDeployment]

        init(_ entry: Entry) {
            id = entry.modelID
            displayName = entry.displayName
            deployments = [entry.deployment]
        }

        mutating func add(_ entry: Entry) {
            if displayName == nil { displayName = entry.displayName }
            deployments.append(entry.deployment)
        }

        func build() -> CatalogModel {
            var capabilities = Set<Capability>()
            for deployment in deployments { capabilities.formUnion(deployment.capabilities) }
            let publisher = ModelIdentity.publisher(of: id) ?? deployments[0].providerID
            return CatalogModel(
                id: id, name: displayName ?? ModelIdentity.name(of: id), publisher: publisher,
                capabilities: Capability.allCases.filter(capabilities.contains),
                simulated: deployments.allSatisfy(\.simulated),
                contextLength: deployments.compactMap(\.contextLength).max(), deployments: deployments)
        }
    }
}
