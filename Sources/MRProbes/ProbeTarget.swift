import MRCatalog
import MRConfig

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One deployment to probe and how: a chat probe, or an embedding probe for embedding-only models.
public struct ProbeTarget: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case chat
        case embedding
    }

    public var model: String
    public var provider: String
    /// The provider's own name for the model.
    public var upstreamID: String
    public var kind: Kind

    public init(model: String, provider: String, upstreamID: String, kind: Kind) {
        self.model = model
        self.provider = provider
        self.upstreamID = upstreamID
        self.kind = kind
    }

    public var deployment: DeploymentID { DeploymentID(model: model, provider: provider) }
}

/// Which deployments a batch covers (the `/api/probe/stream` and `modelrouter probe` filters).
public struct ProbeFilter: Sendable, Hashable {
    public var capability: Capability?
    public var publisher: String?
    /// An exact model id.
    public var model: String?

    public init(capability: Capability? = nil, publisher: String? = nil, model: String? = nil) {
        self.capability = capability
        self.publisher = publisher
        self.model = model
    }

    /// Every probe-enabled deployment of the catalog that passes the filter, in catalog order.
    public func targets(in catalog: Catalog) -> [ProbeTarget] {
        var targets: [ProbeTarget] = []
        for model in catalog.models {
            if let wanted = self.model, model.id != wanted { continue }
            if let publisher, model.publisher != publisher { continue }
            for deployment in model.deployments where deployment.probeEnabled {
                if let capability, !deployment.capabilities.contains(capability) { continue }
                targets.append(Self.target(model: model.id, deployment: deployment))
            }
        }
        return targets
    }

    /// The probe for one deployment: embedding models that cannot chat get an embedding probe.
    public static func target(model: String, deployment: CatalogDeployment) -> ProbeTarget {
        let chats = deployment.capabilities.contains { $0 != .embedding }
        return ProbeTarget(
            model: model, provider: deployment.providerID, upstreamID: deployment.upstreamID,
            kind: chats ? .chat : .embedding)
    }
}

/// The outcome of one probe (SPEC "A probe result").
public struct ProbeResult: Sendable, Hashable {
    public var model: String
    public var provider: String
    public var status: DeploymentStatus
    /// From the start of the call to the end of the answer, when it answered.
    public var latencyMs: Int?
    /// Until the first token (chat probes).
    public var ttftMs: Int?
    /// The upstream HTTP status, when the failure had one.
    public var httpStatus: Int?
    public var error: String?
    public var checkedAt: Date
    /// How long the probe took, whatever its outcome (metrics; `latencyMs` is only set for answers).
    public var duration: Duration

    public init(
        model: String, provider: String, status: DeploymentStatus, latencyMs: Int? = nil, ttftMs: Int? = nil,
        httpStatus: Int? = nil, error: String? = nil, checkedAt: Date, duration: Duration = .zero
    ) {
        self.duration = duration
        self.model = model
        self.provider = provider
        self.status = status
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.httpStatus = httpStatus
        self.error = error
        self.checkedAt = checkedAt
    }

    public var deployment: DeploymentID { DeploymentID(model: model, provider: provider) }
}
