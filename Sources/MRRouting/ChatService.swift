import Logging
import MRCatalog
import MRConfig
import MRProbes
import MRProviders
import MRStore

/// The router at work: resolves a request's model to candidates, decides with ``RoutePlanner``, calls them
/// in order with fallback before the first token, and feeds every outcome to the health registry (source
/// `traffic`), the circuit breakers, the latency estimates, the usage recorder and the observer.
///
/// No lock is held across a call: the planner reads a snapshot of every fact under short locks, then the
/// calls run unlocked.
package final class ChatService: Sendable {
    package let routing: RoutingConfig
    package let aliases: [ModelAlias]
    package let health: HealthRegistry
    package let tracker: DeploymentTracker
    let catalog: @Sendable () -> Catalog
    let adapters: [String: any ProviderAdapter]
    let limiters: [String: ProviderRateLimiter]
    let usage: UsageRecorder?
    let observer: ChatAttemptObserver?
    let logger: Logger

    /// - Parameters:
    ///   - catalog: the current snapshot (read once per request).
    ///   - adapters: by provider id.
    ///   - limiters: each provider's rate limiter (to skip an exhausted or paused deployment).
    ///   - breakerPolicy: defaults to opening after the health registry's failure threshold.
    ///   - observer: told of every upstream call (metrics).
    package init(
        catalog: @escaping @Sendable () -> Catalog, adapters: [String: any ProviderAdapter],
        limiters: [String: ProviderRateLimiter] = [:], health: HealthRegistry, routing: RoutingConfig,
        aliases: [ModelAlias] = [], breakerPolicy: CircuitBreaker.Policy? = nil, usage: UsageRecorder? = nil,
        observer: ChatAttemptObserver? = nil, logger: Logger
    ) {
        self.catalog = catalog
        self.adapters = adapters
        self.limiters = limiters
        self.health = health
        self.routing = routing
        self.aliases = aliases
        self.tracker = DeploymentTracker(
            policy: breakerPolicy ?? CircuitBreaker.Policy(failureThreshold: health.failureThreshold))
        self.usage = usage
        self.observer = observer
        self.logger = logger
    }

    /// The limits of every upstream call, from the `routing` section.
    package var timeouts: ChatTimeouts {
        ChatTimeouts(
            connect: min(.seconds(10), routing.firstTokenTimeout), firstToken: routing.firstTokenTimeout,
            idle: routing.idleTimeout, total: routing.requestTimeout)
    }

    // MARK: Deciding

    /// The candidates for `name` with their live facts.
    package func candidates(for name: String, endpoint: Capability, route: RouteOptions) throws(RoutingError)
        -> [RouteCandidate]
    {
        let resolver = CandidateResolver(catalog: catalog(), aliases: aliases)
        let resolved: [CandidateResolver.Resolved]
        do {
            resolved = try resolver.resolve(
                name, endpoint: endpoint, preferred: name == "auto" ? route.capability : nil)
        } catch {
            switch error {
            case .unknownModel(let name):
                throw RoutingError(kind: .notFound, detail: "no model or alias named '\(name.prefix(200))'")
            case .unsupported(let model, let capability):
                throw RoutingError(
                    kind: .validation, detail: "model '\(model)' does not support \(capability.rawValue)")
            case .noCandidates(let detail):
                throw RoutingError(kind: .noModelAvailable, detail: detail)
            }
        }
        let now = ContinuousClock.now
        let ids = resolved.map { DeploymentID(model: $0.model, provider: $0.deployment.providerID) }
        let facts = tracker.facts(ids, at: now)
        return resolved.indices.map { index in
            let item = resolved[index]
            let snapshot = health.snapshot(ids[index])
            let probeLatency = (snapshot?.ttftMs ?? snapshot?.latencyMs).map(Double.init)
            return RouteCandidate(
                model: item.model, deployment: item.deployment, preference: item.preference,
                state: snapshot?.state ?? .unknown, status: snapshot?.status ?? .unknown,
                permanentFailure: facts[index].permanentFailure || (snapshot?.status.isPermanentFailure ?? false),
                circuit: facts[index].gate, rateLimitWait: rateLimitWait(item.deployment, at: now),
                latencyMs: facts[index].latencyMs ?? probeLatency)
        }
    }

    /// How long until the deployment's provider admits a traffic call; nil when one may go now.
    func rateLimitWait(_ deployment: CatalogDeployment, at now: ContinuousClock.Instant) -> Duration? {
        guard let limiter = limiters[deployment.providerID] else { return nil }
        if let pause = limiter.remainingPause(deployment: deployment.upstreamID) { return pause }
        if case .wait(let wait) = limiter.bucket.decision(at: now, reserve: 0) { return wait }
        return nil
    }

    /// The planner for a request's options.
    package func planner(_ route: RouteOptions) -> RoutePlanner {
        let fallbacks = route.fallbacks.map { min(max($0, 0), RoutingConfig.maxFallbacksRange.upperBound) }
        return RoutePlanner(
            strategy: route.strategy ?? routing.strategy, capability: route.capability,
            maxFallbacks: fallbacks ?? routing.maxFallbacks)
    }

    // MARK: Calling

    /// What a successful call handed back, with where it came from.
    struct Attempted<Value> {
        var value: Value
        var candidate: RouteCandidate
        /// 1-based.
        var attempt: Int
        var startedAt: ContinuousClock.Instant
        var trace: RouteTrace
    }

    /// Plans, then calls candidates in order until `call` returns; every failure is recorded, and the
    /// request's error is built from all of them.
    ///
    /// The synchronous steps (planning, admission, recording a failure, the final error) are functions kept
    /// out of line: inlined, their temporaries would sit in this function's async frame, which stays allocated
    /// (in the task) for as long as the call is waiting for upstream: 4 KB of it per request, before.
    func run<Value>(
        model: String, endpoint: Capability, route: RouteOptions, receivedAt: ContinuousClock.Instant,
        usage: UsageContext, call: (RouteCandidate, any ProviderAdapter) async throws -> Value
    ) async throws(RoutingError) -> Attempted<Value> {
        let plan = try plan(model: model, endpoint: endpoint, route: route, usage: usage)
        var failures: [(RouteCandidate, ProviderError)] = []
        var attempts = 0
        var upstreamTime = Duration.zero
        for candidate in plan.ordered where attempts < plan.maxAttempts {
            if Task.isCancelled { throw .cancelled }
            let startedAt = ContinuousClock.now
            guard let adapter = admit(candidate, lastResort: plan.lastResort, at: startedAt, failures: &failures)
            else { continue }
            attempts += 1
            do {
                let value = try await call(candidate, adapter)
                let now = ContinuousClock.now
                upstreamTime += now - startedAt
                return Attempted(
                    value: value, candidate: candidate, attempt: attempts, startedAt: startedAt,
                    trace: RouteTrace(
                        candidate, attempts: attempts, upstreamTime: upstreamTime, receivedAt: receivedAt,
                        committedAt: now))
            } catch {
                upstreamTime += ContinuousClock.now - startedAt
                failures.append(
                    (
                        candidate,
                        try recordFailedCall(
                            error, candidate: candidate, endpoint: endpoint, attempt: attempts, startedAt: startedAt,
                            usage: usage)
                    ))
            }
        }
        throw failedRequest(failures, attempts: attempts, endpoint: endpoint, usage: usage)
    }

    /// The candidates to call, in order, and how many calls the request may make.
    struct Plan {
        var ordered: [RouteCandidate]
        var maxAttempts: Int
        /// Every candidate's circuit is open: they are tried anyway (the never-route-into-nothing rule).
        var lastResort: Bool
    }

    /// Resolves and decides; a request that cannot be routed is recorded and thrown here.
    @inline(never)
    func plan(model: String, endpoint: Capability, route: RouteOptions, usage: UsageContext) throws(RoutingError)
        -> Plan
    {
        let decision: RouteDecision
        do {
            decision = planner(route).decide(try candidates(for: model, endpoint: endpoint, route: route))
        } catch {
            if error.kind != .notFound && error.kind != .validation {
                recordUsage(usage, endpoint: endpoint, candidate: nil, outcome: error.errorCode, attempts: 0)
            }
            throw error
        }
        switch decision {
        case .attempt(let list, let limit, let resort):
            return Plan(ordered: list, maxAttempts: limit, lastResort: resort)
        case .rateLimited(let wait):
            recordUsage(usage, endpoint: endpoint, candidate: nil, outcome: "RATE_LIMITED", attempts: 0)
            throw RoutingError(
                kind: .rateLimited, detail: "every deployment of '\(model.prefix(200))' is rate limited; retry later",
                retryAfter: wait)
        case .noneAvailable(let reason):
            recordUsage(usage, endpoint: endpoint, candidate: nil, outcome: "NO_MODEL_AVAILABLE", attempts: 0)
            throw RoutingError(kind: .noModelAvailable, detail: reason)
        }
    }

    /// The adapter to call `candidate` with, or nil to pass over it: a last resort goes through an open circuit
    /// on purpose; otherwise the breaker may refuse (another request took the half-open trial meanwhile), which
    /// does not use up an attempt. A provider with no adapter is a failure.
    @inline(never)
    func admit(
        _ candidate: RouteCandidate, lastResort: Bool, at now: ContinuousClock.Instant,
        failures: inout [(RouteCandidate, ProviderError)]
    ) -> (any ProviderAdapter)? {
        guard lastResort || tracker.admit(candidate.id, at: now) else { return nil }
        guard let adapter = adapters[candidate.deployment.providerID] else {
            tracker.recordNeutral(candidate.id)  // give back a trial slot `admit` may have handed out
            failures.append((candidate, ProviderError(kind: .error, message: "provider is not configured")))
            return nil
        }
        return adapter
    }

    /// Records a failed call and returns its failure; a cancellation ends the request (thrown).
    @inline(never)
    func recordFailedCall(
        _ error: any Error, candidate: RouteCandidate, endpoint: Capability, attempt: Int,
        startedAt: ContinuousClock.Instant, usage: UsageContext
    ) throws(RoutingError) -> ProviderError {
        let midStream = error as? MidStreamFailure
        let failure = midStream?.error ?? Self.providerError(error)
        record(
            failure: failure, candidate: candidate, endpoint: endpoint, attempt: attempt, startedAt: startedAt,
            ttft: midStream?.ttft, midStream: midStream != nil)
        if failure.kind == .cancelled {
            recordUsage(usage, endpoint: endpoint, candidate: candidate, outcome: "CANCELLED", attempts: attempt)
            throw .cancelled
        }
        return failure
    }

    /// The request's error once every candidate was tried, recorded.
    @inline(never)
    func failedRequest(
        _ failures: [(RouteCandidate, ProviderError)], attempts: Int, endpoint: Capability, usage: UsageContext
    ) -> RoutingError {
        let error = Self.finalError(failures, attempts: attempts)
        recordUsage(
            usage, endpoint: endpoint, candidate: failures.last?.0, outcome: error.errorCode, attempts: attempts)
        return error
    }

    static func providerError(_ error: any Error) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError { return .cancelled }
        return .invalidResponse("\(error)")
    }

    /// The request's error once every call failed: rate limited when all were (with the shortest wait),
    /// a timeout when the last one timed out, else an upstream error. The detail names every attempt.
    static func finalError(_ failures: [(RouteCandidate, ProviderError)], attempts: Int) -> RoutingError {
        guard let last = failures.last else {
            return RoutingError(
                kind: .noModelAvailable, detail: "no deployment could be called (circuits open)", attempts: attempts)
        }
        let detail =
            (failures.count == 1 ? "" : "all \(failures.count) attempts failed: ")
            + failures.map { "\($0.0.id): \($0.1.description)" }.joined(separator: "; ")
        if failures.allSatisfy({ $0.1.kind == .rateLimited }) {
            let wait = failures.compactMap(\.1.retryAfter).min() ?? .seconds(1)
            return RoutingError(kind: .rateLimited, detail: detail, retryAfter: wait, attempts: attempts)
        }
        return RoutingError(
            kind: last.1.kind == .timeout ? .upstreamTimeout : .upstreamError, detail: detail, attempts: attempts)
    }

    // MARK: Recording

    /// A failed call: health, breaker and observer learn of it (a rate limit or cancellation says nothing
    /// about health; `unsupported` is a configuration mismatch, not an outage).
    func record(
        failure: ProviderError, candidate: RouteCandidate, endpoint: Capability, attempt: Int,
        startedAt: ContinuousClock.Instant, ttft: Duration?, midStream: Bool
    ) {
        let duration = ContinuousClock.now - startedAt
        switch failure.kind {
        case .cancelled, .unsupported:
            tracker.recordNeutral(candidate.id)
        case .rateLimited:
            tracker.recordNeutral(candidate.id)
            health.record(observation(candidate, status: .rateLimited, duration: nil, ttft: nil, error: failure))
        case .authError, .notFound, .timeout, .error:
            let status = DeploymentStatus(rawValue: failure.probeStatus) ?? .error
            let change = health.record(
                observation(candidate, status: status, duration: nil, ttft: ttft, error: failure))
            // When traffic takes a deployment down, its circuit opens too, so that a trial after the cool-down
            // can bring it back even when no probe runs (a `down` state alone is skipped).
            tracker.recordFailure(
                candidate.id, permanent: failure.isPermanent, forceOpen: change?.to == .down, at: .now)
            logger.info(
                "router: call failed",
                metadata: [
                    "deployment": "\(candidate.id)", "attempt": "\(attempt)", "error": "\(failure.description)",
                ])
        }
        observer?(
            ChatAttemptReport(
                model: candidate.model, provider: candidate.deployment.providerID, endpoint: endpoint.rawValue,
                outcome: failure.kind == .cancelled ? "cancelled" : failure.probeStatus, ttft: ttft,
                duration: duration, usage: nil, attempt: attempt, midStream: midStream))
    }

    /// A completed call.
    func recordSuccess(
        candidate: RouteCandidate, endpoint: Capability, attempt: Int, startedAt: ContinuousClock.Instant,
        ttft: Duration?, usage: Usage?
    ) {
        let duration = ContinuousClock.now - startedAt
        tracker.recordSuccess(candidate.id, ttftMs: ttft.map(Self.milliseconds))
        health.record(observation(candidate, status: .ok, duration: duration, ttft: ttft, error: nil))
        observer?(
            ChatAttemptReport(
                model: candidate.model, provider: candidate.deployment.providerID, endpoint: endpoint.rawValue,
                outcome: "ok", ttft: ttft, duration: duration, usage: usage, attempt: attempt, midStream: false))
    }

    func observation(
        _ candidate: RouteCandidate, status: DeploymentStatus, duration: Duration?, ttft: Duration?,
        error: ProviderError?
    ) -> HealthObservation {
        HealthObservation(
            model: candidate.model, provider: candidate.deployment.providerID, status: status,
            latencyMs: duration.map { Int(Self.milliseconds($0)) }, ttftMs: ttft.map { Int(Self.milliseconds($0)) },
            error: error?.description, source: .traffic)
    }

    /// One usage row for the request.
    func recordUsage(
        _ context: UsageContext, endpoint: Capability, candidate: RouteCandidate?, outcome: String, attempts: Int,
        usage: Usage? = nil, cost: Double? = nil, latency: Duration? = nil, ttft: Duration? = nil
    ) {
        guard let recorder = self.usage else { return }
        recorder.record(
            UsageRecord(
                keyID: context.keyID, endpoint: endpoint == .embedding ? "embeddings" : "chat",
                model: candidate?.model, provider: candidate?.deployment.providerID, outcome: outcome,
                promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0,
                costUSD: cost, attempts: attempts, latencyMs: latency.map { Int(Self.milliseconds($0)) },
                ttftMs: ttft.map { Int(Self.milliseconds($0)) }))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension ChatService {
    /// A service over the live catalog: its adapters, and the rate limiter each one sits behind.
    package convenience init(
        catalog: CatalogService, health: HealthRegistry, routing: RoutingConfig, aliases: [ModelAlias],
        breakerPolicy: CircuitBreaker.Policy? = nil, usage: UsageRecorder? = nil,
        observer: ChatAttemptObserver? = nil, logger: Logger
    ) {
        let adapters = catalog.providerAdapters
        var limiters: [String: ProviderRateLimiter] = [:]
        for (id, adapter) in adapters {
            if let limited = adapter as? RateLimitedProvider { limiters[id] = limited.limiter }
        }
        self.init(
            catalog: { catalog.catalog }, adapters: adapters, limiters: limiters, health: health, routing: routing,
            aliases: aliases, breakerPolicy: breakerPolicy, usage: usage, observer: observer, logger: logger)
    }
}
