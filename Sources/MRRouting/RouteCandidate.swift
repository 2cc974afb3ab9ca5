import MRCatalog
import MRConfig
import MRProbes

/// One deployment the router may call, with everything the decision needs to know about it right now.
///
/// Built by the service from the catalog, the health registry, the circuit breakers and the rate limiters;
/// the planner only reads these values, so every routing decision is testable without I/O.
public struct RouteCandidate: Sendable, Hashable {
    /// The catalog model id (`meta/llama-3.1-8b-instruct`).
    public var model: String
    /// The deployment: provider, upstream id, costs, capabilities, context length.
    public var deployment: CatalogDeployment
    /// Position in the request's own order (alias order, then provider order): the last tie-breaker.
    public var preference: Int
    /// The deployment's state after the thresholds (SPEC "Status").
    public var state: DeploymentState
    /// The last probe's status (`unknown` when never probed).
    public var status: DeploymentStatus
    /// The last failure seen (probe or traffic) was `auth_error` or `not_found`.
    public var permanentFailure: Bool
    /// The traffic circuit breaker's gate.
    public var circuit: CircuitBreaker.Gate
    /// How long until the provider admits a call for this deployment (its `rpm` bucket is empty, or an
    /// upstream 429 paused it); nil when a call may go now.
    public var rateLimitWait: Duration?
    /// Recent time to first token in milliseconds (traffic EWMA, else the last probe's), nil when unknown.
    public var latencyMs: Double?

    public init(
        model: String, deployment: CatalogDeployment, preference: Int = 0, state: DeploymentState = .unknown,
        status: DeploymentStatus = .unknown, permanentFailure: Bool = false, circuit: CircuitBreaker.Gate = .closed,
        rateLimitWait: Duration? = nil, latencyMs: Double? = nil
    ) {
        self.model = model
        self.deployment = deployment
        self.preference = preference
        self.state = state
        self.status = status
        self.permanentFailure = permanentFailure
        self.circuit = circuit
        self.rateLimitWait = rateLimitWait
        self.latencyMs = latencyMs
    }

    /// The deployment's identity.
    public var id: DeploymentID { DeploymentID(model: model, provider: deployment.providerID) }

    /// Blended price in dollars per million tokens (input plus output), nil when either is unknown.
    public var blendedCostPerMTok: Double? {
        guard let input = deployment.inputCostPerMTok, let output = deployment.outputCostPerMTok else { return nil }
        return input + output
    }
}

/// Why a candidate is not called in the normal course.
public enum SkipReason: Sendable, Hashable {
    /// Its provider's bucket is empty or the deployment is paused after a 429, for `wait`.
    case rateLimited(wait: Duration)
    /// Its traffic circuit is open.
    case circuitOpen
    /// Its state is `down`.
    case down
}

extension RouteCandidate {
    /// Why the planner skips this candidate, nil when it is callable.
    ///
    /// A rate limit wins over everything (a call cannot even be sent); an open circuit next; a `down` state
    /// is skipped unless the circuit offers a trial, which is how traffic alone (without probes) brings a
    /// deployment back after its cool-down.
    public var skipReason: SkipReason? {
        if let wait = rateLimitWait, wait > .zero { return .rateLimited(wait: wait) }
        switch circuit {
        case .open: return .circuitOpen
        case .trial: return nil
        case .closed: return state == .down ? .down : nil
        }
    }
}
