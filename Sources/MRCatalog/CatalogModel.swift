import MRConfig

/// One model at one provider (SPEC "Identity"): what routing calls and probes check.
public struct CatalogDeployment: Sendable, Hashable {
    /// The configured provider id (`nvidia`, `demo`, …).
    public var providerID: String
    /// The provider's own name for the model, sent as `model` upstream.
    public var upstreamID: String
    /// US dollars per million input tokens, when known.
    public var inputCostPerMTok: Double?
    /// US dollars per million output tokens, when known.
    public var outputCostPerMTok: Double?
    /// Context window in tokens, when known.
    public var contextLength: Int?
    /// Whether scheduled and batch probes may call it (provider and model `probe` switches).
    public var probeEnabled: Bool
    /// Served by the in-process simulator.
    public var simulated: Bool
    /// What this deployment can do (inferred, declared by the listing, or set by the config).
    public var capabilities: [Capability]

    public init(
        providerID: String, upstreamID: String, inputCostPerMTok: Double? = nil, outputCostPerMTok: Double? = nil,
        contextLength: Int? = nil, probeEnabled: Bool = true, simulated: Bool = false,
        capabilities: [Capability] = [.chat]
    ) {
        self.providerID = providerID
        self.upstreamID = upstreamID
        self.inputCostPerMTok = inputCostPerMTok
        self.outputCostPerMTok = outputCostPerMTok
        self.contextLength = contextLength
        self.probeEnabled = probeEnabled
        self.simulated = simulated
        self.capabilities = capabilities
    }
}

/// A model as ModelRouter shows it: `publisher/name`, served by one or more deployments.
public struct CatalogModel: Sendable, Hashable, Identifiable {
    /// `publisher/name`, e.g. `meta/llama-3.1-8b-instruct`.
    public var id: String
    /// A human name: the listing's display name, else the part of the id after the publisher.
    public var name: String
    /// The part of the id before the first `/`.
    public var publisher: String
    /// The union of its deployments' capabilities, in `Capability.allCases` order.
    public var capabilities: [Capability]
    /// True when every deployment is simulated (each deployment also carries its own flag).
    public var simulated: Bool
    /// The largest context window its deployments declare.
    public var contextLength: Int?
    /// In the order of the configured providers.
    public var deployments: [CatalogDeployment]

    public init(
        id: String, name: String, publisher: String, capabilities: [Capability], simulated: Bool,
        contextLength: Int?, deployments: [CatalogDeployment]
    ) {
        self.id = id
        self.name = name
        self.publisher = publisher
        self.capabilities = capabilities
        self.simulated = simulated
        self.contextLength = contextLength
        self.deployments = deployments
    }

    /// The deployment at `providerID`, if the model is served there.
    public func deployment(at providerID: String) -> CatalogDeployment? {
        deployments.first { $0.providerID == providerID }
    }

    /// Whether any deployment has `capability`.
    public func has(_ capability: Capability) -> Bool { capabilities.contains(capability) }
}
