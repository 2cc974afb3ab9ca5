import Logging
import MRCatalog
import MRConfig
import MRMetrics
import MRProbes
import MRRouting
import MRStore
import MRWeb

/// What the API handlers need: configuration, the store, the catalog, and a logger. Built once by the app.
public struct APIContext: Sendable {
    public let config: Config
    public let store: Store
    public let logger: Logger
    public let startedAt: ContinuousClock.Instant
    /// The model catalog; nil until the app wires one (the catalog routes then answer 503).
    public let catalog: CatalogService?
    /// The background store check behind `/readyz`; nil makes `/readyz` read the store per request.
    public let readiness: ReadinessMonitor?
    /// Live deployment health (probes and traffic); the catalog views show it.
    public let health: HealthRegistry
    /// Scheduled, batch and single probes; nil until the app wires one (the probe routes then answer 503).
    public let probes: ProbeService?
    /// The router behind the chat and `/v1` routes; nil makes them answer 503 (set by the app).
    package var chat: ChatService?
    /// Per-API-key `rpm` limits of the routed endpoints.
    package let keyLimits: KeyRateLimiter
    /// The process's metrics, rendered by `/metrics`.
    public let metrics: Metrics

    public init(
        config: Config, store: Store, logger: Logger, startedAt: ContinuousClock.Instant = .now,
        catalog: CatalogService? = nil, readiness: ReadinessMonitor? = nil, health: HealthRegistry? = nil,
        probes: ProbeService? = nil, metrics: Metrics = Metrics()
    ) {
        self.probes = probes
        self.metrics = metrics
        self.keyLimits = KeyRateLimiter(onLimited: { metrics.recordRateLimited(scope: "key") })
        self.health =
            health
            ?? HealthRegistry(
                failureThreshold: config.probes.failureThreshold, successThreshold: config.probes.successThreshold)
        self.readiness = readiness
        self.config = config
        self.store = store
        self.logger = logger
        self.startedAt = startedAt
        self.catalog = catalog
    }
}

extension APIContext {
    /// The router for one routed request (chat and `/v1`), after the caller's per-key `rpm`: 503
    /// `NOT_READY` when no router is wired, 429 `RATE_LIMITED` past the key's limit.
    package func admitRouted(_ request: RouteRequest) throws -> ChatService {
        guard let chat else {
            throw APIError.notReady("the router is not available on this server")
        }
        try keyLimits.admit(request.principal)
        return chat
    }
}
