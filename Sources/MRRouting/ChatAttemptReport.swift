import MRProviders

/// One upstream call's outcome, for whoever counts them (Prometheus metrics, logs).
///
/// Every label-like field has a bounded set of values: `outcome` is `ok` or a probe status (`error`,
/// `timeout`, `rate_limited`, `auth_error`, `not_found`) or `cancelled`.
public struct ChatAttemptReport: Sendable, Hashable {
    /// The catalog model id.
    public var model: String
    /// The provider id.
    public var provider: String
    /// `chat` or `embedding`.
    public var endpoint: String
    /// `ok`, `error`, `timeout`, `rate_limited`, `auth_error`, `not_found` or `cancelled`.
    public var outcome: String
    /// Time to the first token of this call, when one came.
    public var ttft: Duration?
    /// The call's duration (to its failure, or to the end of the answer).
    public var duration: Duration
    /// Token counts, on a completed call whose provider reported them.
    public var usage: Usage?
    /// 1 for the first call of a request, 2 for the first fallback, …
    public var attempt: Int
    /// The call failed after its first token (a cut, a stall, an in-stream error).
    public var midStream: Bool

    /// This call is a fallback (not the request's first).
    public var isFallback: Bool { attempt > 1 }

    public init(
        model: String, provider: String, endpoint: String, outcome: String, ttft: Duration?, duration: Duration,
        usage: Usage?, attempt: Int, midStream: Bool
    ) {
        self.model = model
        self.provider = provider
        self.endpoint = endpoint
        self.outcome = outcome
        self.ttft = ttft
        self.duration = duration
        self.usage = usage
        self.attempt = attempt
        self.midStream = midStream
    }
}

/// Called once per upstream call, on the calling task, after the outcome is known. Must be cheap and
/// must not block (a metrics increment).
public typealias ChatAttemptObserver = @Sendable (ChatAttemptReport) -> Void

/// How a routed request went: who answered, after how many calls, and how much of the time was ours.
public struct RouteTrace: Sendable, Hashable {
    /// The catalog model that answered.
    public var model: String
    /// The provider that answered.
    public var provider: String
    /// Calls made, the answering one included.
    public var attempts: Int
    /// Time spent waiting on upstream calls until the answer was committed to the client (first token for a
    /// stream, the whole answer otherwise).
    public var upstreamTime: Duration
    /// When the request arrived.
    public var receivedAt: ContinuousClock.Instant
    /// When the answer was committed (headers about to be sent).
    public var committedAt: ContinuousClock.Instant
    /// Prices of the answering deployment, for the cost of the request.
    public var inputCostPerMTok: Double?
    public var outputCostPerMTok: Double?

    /// Calls after the first.
    public var fallbacks: Int { max(0, attempts - 1) }

    /// Time spent in the router itself: everything until the commit that was not waiting on upstream.
    public var overhead: Duration { max(.zero, committedAt - receivedAt - upstreamTime) }

    /// The cost of `usage` at this deployment's prices; nil when a price is unknown.
    public func cost(of usage: Usage?) -> Double? {
        guard let usage, let input = inputCostPerMTok, let output = outputCostPerMTok else { return nil }
        return (Double(usage.promptTokens) * input + Double(usage.completionTokens) * output) / 1_000_000
    }
}

extension RouteTrace {
    /// The trace of an answer `candidate` gave.
    init(
        _ candidate: RouteCandidate, attempts: Int, upstreamTime: Duration, receivedAt: ContinuousClock.Instant,
        committedAt: ContinuousClock.Instant
    ) {
        self.init(
            model: candidate.model, provider: candidate.deployment.providerID, attempts: attempts,
            upstreamTime: upstreamTime, receivedAt: receivedAt, committedAt: committedAt,
            inputCostPerMTok: candidate.deployment.inputCostPerMTok,
            outputCostPerMTok: candidate.deployment.outputCostPerMTok)
    }
}
