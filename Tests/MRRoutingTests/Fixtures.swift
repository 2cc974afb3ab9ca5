import MRCatalog
import MRConfig
import MRProbes
import MRRouting

/// A candidate with sensible defaults for planner and ordering tests.
func candidate(
    _ model: String, provider: String = "p", preference: Int = 0, state: DeploymentState = .up,
    status: DeploymentStatus = .ok, permanent: Bool = false, circuit: CircuitBreaker.Gate = .closed,
    wait: Duration? = nil, latency: Double? = nil, cost: (Double, Double)? = nil, context: Int? = nil,
    capabilities: [Capability] = [.chat]
) -> RouteCandidate {
    RouteCandidate(
        model: model,
        deployment: CatalogDeployment(
            providerID: provider, upstreamID: model, inputCostPerMTok: cost?.0, outputCostPerMTok: cost?.1,
            contextLength: context, capabilities: capabilities),
        preference: preference, state: state, status: status, permanentFailure: permanent, circuit: circuit,
        rateLimitWait: wait, latencyMs: latency)
}

extension RouteDecision {
    /// The models to try, for `.attempt`.
    var models: [String] {
        if case .attempt(let list, _, _) = self { return list.map(\.model) }
        return []
    }
    var maxAttempts: Int? {
        if case .attempt(_, let limit, _) = self { return limit }
        return nil
    }
    var isLastResort: Bool {
        if case .attempt(_, _, true) = self { return true }
        return false
    }
}
