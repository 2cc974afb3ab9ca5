import MRConfig

/// What the router decided for one request.
public enum RouteDecision: Sendable, Hashable {
    /// Call these in order, the first and then its fallbacks, making at most `maxAttempts` calls (a candidate
    /// whose half-open trial another request took is passed over without using up an attempt). `lastResort`:
    /// every candidate was marked unavailable and this is the single best one, tried anyway.
    case attempt([RouteCandidate], maxAttempts: Int, lastResort: Bool)
    /// Every candidate is rate limited; the shortest wait is passed on as `Retry-After`.
    case rateLimited(retryAfter: Duration)
    /// Nothing may be tried: every candidate failed permanently (`auth_error`, `not_found`).
    case noneAvailable(reason: String)
}

/// The routing decision as a pure value (SPEC "Routing"): skip what is down, open or limited, order the
/// rest by strategy, and never route into nothing.
public struct RoutePlanner: Sendable, Hashable {
    public var strategy: RoutingStrategy
    /// The capability the request asked for (`route.capability`); `chat` when nil.
    public var capability: Capability?
    /// Further candidates tried after the first fails before the first token.
    public var maxFallbacks: Int

    public init(strategy: RoutingStrategy, capability: Capability? = nil, maxFallbacks: Int) {
        self.strategy = strategy
        self.capability = capability
        self.maxFallbacks = max(0, maxFallbacks)
    }

    /// Decides over `candidates` (the resolver's output with their live facts).
    ///
    /// 1. Candidates that are not skipped (see ``RouteCandidate/skipReason``), best first; at most
    ///    `1 + maxFallbacks` of them are called.
    /// 2. If all are skipped but some are merely marked unavailable (down or circuit open, the last failure
    ///    not permanent), the best of those is tried once: health data may be stale, and refusing outright
    ///    would black-hole traffic on a false alarm.
    /// 3. Else, if some are rate limited, `rateLimited` with the shortest wait.
    /// 4. Else nothing can be tried.
    public func decide(_ candidates: [RouteCandidate]) -> RouteDecision {
        guard !candidates.isEmpty else { return .noneAvailable(reason: "no deployment serves this model") }
        var callable: [RouteCandidate] = []
        var unavailable: [RouteCandidate] = []
        var shortestWait: Duration?
        var permanent: [String] = []
        for candidate in candidates {
            switch candidate.skipReason {
            case nil:
                callable.append(candidate)
            case .rateLimited(let wait):
                shortestWait = min(shortestWait ?? wait, wait)
            case .circuitOpen, .down:
                if candidate.permanentFailure {
                    permanent.append(candidate.id.description)
                } else {
                    unavailable.append(candidate)
                }
            }
        }
        if !callable.isEmpty {
            let ordered = StrategyOrder.sorted(callable, strategy: strategy, capability: capability)
            return .attempt(ordered, maxAttempts: 1 + maxFallbacks, lastResort: false)
        }
        if !unavailable.isEmpty {
            let best = StrategyOrder.sorted(unavailable, strategy: strategy, capability: capability)[0]
            return .attempt([best], maxAttempts: 1, lastResort: true)
        }
        if let shortestWait { return .rateLimited(retryAfter: shortestWait) }
        return .noneAvailable(
            reason: "every deployment failed permanently (auth_error or not_found): "
                + permanent.joined(separator: ", "))
    }
}
