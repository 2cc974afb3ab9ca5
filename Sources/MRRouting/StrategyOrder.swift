import MRConfig

/// Orders candidates by a routing strategy (SPEC "Routing"). Pure.
///
/// Each candidate gets three scores, 0 best, 1 worst, each relative to the best of the same request (ratios,
/// so a 20 % edge stays a 20 % edge however many candidates there are):
/// - **cost**: blended price `c` (input + output dollars per million tokens) against the cheapest `m`:
///   `(c - m) / (c + 1)` (the 1 $ floor keeps free-versus-nearly-free from looking like a huge gap).
/// - **latency**: recent time to first token `t` (traffic EWMA, else the last probe) against the fastest
///   `f`: `1 - f / t`.
/// - **capability**: 0 when the deployment has the requested capability (default `chat`), else 0.5; plus
///   `0.5 × (1 - context / largest context)`.
/// An unknown price or latency scores 1 under its own strategy (last), 0.5 under `balanced` (neutral).
///
/// `cost`, `latency` and `capability` sort by their own score, then by the others (latency, cost,
/// capability in that order of precedence); `balanced` sorts by
/// `0.5 × latency + 0.3 × cost + 0.2 × capability`: speed first, because a bot waiting on an answer feels
/// latency most, then price, then fit. Ties keep the request's own order (alias order, provider order).
public enum StrategyOrder {
    /// The weights of `balanced`.
    public static let balancedWeights = (latency: 0.5, cost: 0.3, capability: 0.2)

    /// The scores of one candidate.
    public struct Scores: Sendable, Hashable {
        public var cost: Double
        public var latency: Double
        public var capability: Double
    }

    /// `candidates` sorted best first under `strategy`.
    public static func sorted(
        _ candidates: [RouteCandidate], strategy: RoutingStrategy, capability: Capability?
    ) -> [RouteCandidate] {
        guard candidates.count > 1 else { return candidates }
        let neutral = strategy == .balanced
        let scores = self.scores(candidates, capability: capability, unknownPenalty: neutral ? 0.5 : 1)
        let keyed = zip(candidates, scores).map { candidate, score -> (RouteCandidate, [Double]) in
            let key: [Double]
            switch strategy {
            case .cost: key = [score.cost, score.latency, score.capability]
            case .latency: key = [score.latency, score.cost, score.capability]
            case .capability: key = [score.capability, score.latency, score.cost]
            case .balanced:
                let w = balancedWeights
                key = [w.latency * score.latency + w.cost * score.cost + w.capability * score.capability]
            }
            return (candidate, key + [Double(candidate.preference)])
        }
        return keyed.sorted { $0.1.lexicographicallyPrecedes($1.1) }.map(\.0)
    }

    /// Each candidate's scores, in input order.
    public static func scores(_ candidates: [RouteCandidate], capability: Capability?, unknownPenalty: Double)
        -> [Scores]
    {
        let costs = candidates.map(\.blendedCostPerMTok)
        let cheapest = costs.compactMap { $0 }.map { max(0, $0) }.min()
        let latencies = candidates.map(\.latencyMs)
        let fastest = latencies.compactMap { $0 }.map { max(1, $0) }.min()
        let largestContext = candidates.compactMap(\.deployment.contextLength).max()
        let wanted = capability ?? .chat
        return candidates.indices.map { index in
            let candidate = candidates[index]
            var cost = unknownPenalty
            if let price = costs[index], let cheapest { cost = (max(0, price) - cheapest) / (max(0, price) + 1) }
            var latency = unknownPenalty
            if let value = latencies[index], let fastest { latency = 1 - fastest / max(1, value) }
            var contextPenalty = 1.0
            if let context = candidate.deployment.contextLength, let largestContext, largestContext > 0 {
                contextPenalty = 1 - Double(context) / Double(largestContext)
            }
            let has = candidate.deployment.capabilities.contains(wanted)
            return Scores(cost: cost, latency: latency, capability: (has ? 0 : 0.5) + 0.5 * contextPenalty)
        }
    }
}
