import Logging
import MRAPI
import MRCatalog
import MRCommon
import MRConfig
import MRHTTPClient
import MRHTTPServer
import MRMetrics
import MRNotify
import MRProbes
import MRProviders
import MRRouting
import MRStore
import MRWeb

#if canImport(Glibc)
    import Glibc
#endif

/// The running service: store, router and HTTP server wired from a `Config`.
///
/// `start` brings everything up (the port is bound when it returns); `shutdown` stops accepting, lets
/// in-flight requests and streams end within the grace period, then flushes and closes the store.
public final class Application: Sendable {
    public let config: Config
    public let store: Store
    public let server: HTTPServer
    public let router: Router
    public let catalog: CatalogService
    /// Behind `/readyz`.
    public let readiness: ReadinessMonitor
    /// The one outbound HTTP client (libcurl multi): provider calls, probes, discovery.
    public let httpClient: HTTPClient
    /// The router behind the chat and `/v1` routes.
    package let chat: ChatService
    /// Writes per-request usage (tokens, cost, key) in batches.
    package let usage: UsageRecorder
    /// Scheduled and on-demand probes, the live health registry and the probe writer.
    public let probes: ProbeStack
    private let healthMetrics: Task<Void, Never>
    /// Every SPEC metric, rendered by `/metrics`.
    public let metrics: Metrics
    /// State-change webhooks (`notifications`); idle when none is configured.
    public let notifier: WebhookNotifier
    private let catalogMetrics: Task<Void, Never>
    private let logger: Logger

    /// The bound port (useful with `listen: 127.0.0.1:0`).
    public var port: UInt16 { server.port }

    /// The base URL clients use.
    public var baseURL: String {
        let host = config.server.listen.host
        let shown = host == "0.0.0.0" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
        return "http://\(shown):\(port)"
    }

    /// Opens the store, loads the last known catalog, starts discovery in the background, and binds the
    /// HTTP server last, so the first request already sees the catalog.
    public init(config: Config, logger: Logger) async throws {
        let config = ProviderFactory.applyingDemo(config)
        self.config = config
        self.logger = logger
        let store = try Store(path: config.storage.path, logger: logger)
        self.store = store
        // A routed stream holds one upstream connection for its whole life: allow as many as the server takes
        // clients (its connection limit), so concurrent streams to one provider never queue behind each other.
        //
        // One event loop per core (`server.threads`): each runs a share of the upstream transfers and a
        // libmicrohttpd daemon on the shared port, so a chat request is received, proxied and answered on one thread.
        let httpClient = HTTPClient(
            configuration: .init(
                maxConnectionsPerHost: 10_000, maxTotalConnections: 10_000, maxIdleConnections: 256,
                userAgent: "modelrouter/\(ModelRouterVersion.current)", receiveBufferSize: Self.receiveBufferSize),
            logger: logger,
            loops: Self.eventLoopCount(configured: config.server.threads))
        self.httpClient = httpClient
        let catalog = CatalogService(
            providers: config.providers,
            adapters: ProviderFactory.makeAdapters(for: config.providers, client: httpClient), store: store,
            logger: logger)
        self.catalog = catalog
        await catalog.start()
        let readiness = ReadinessMonitor(store: store)
        self.readiness = readiness
        await readiness.start()
        let metrics = Metrics()
        self.metrics = metrics
        metrics.setProbeInterval(config.probes.interval)
        catalogMetrics = CatalogMetrics.start(catalog: catalog, metrics: metrics)
        let probes = await ProbeStack.make(
            config: config, store: store, catalog: catalog, adapters: Array(catalog.providerAdapters.values),
            observer: Self.probeMetrics(metrics), restore: true, logger: logger)
        self.probes = probes
        healthMetrics = Self.stateMetrics(probes.registry, metrics)
        var context = APIContext(
            config: config, store: store, logger: logger, catalog: catalog, readiness: readiness,
            health: probes.registry, probes: probes.service, metrics: metrics)
        let usage = UsageRecorder(store: store, logger: logger)
        self.usage = usage
        usage.start()
        let chat = ChatService(
            catalog: catalog, health: context.health, routing: config.routing, aliases: config.aliases, usage: usage,
            observer: Self.chatMetrics(metrics), logger: logger)
        self.chat = chat
        context.chat = chat
        let notifier = WebhookNotifier(
            config: config.notifications, logger: logger,
            onOutcome: { metrics.recordNotification(outcome: $0.rawValue) })
        self.notifier = notifier
        notifier.start(changes: notifier.isEnabled ? context.health.changes() : nil)
        let authenticator = KeyAuthenticator(
            adminKey: config.auth.adminKey, store: store, publicCatalog: config.server.publicCatalog)
        let router = Router(
            routes: APIRoutes.make(context), authenticator: authenticator, logger: logger,
            requestObserver: { metrics.recordHTTPRequest(route: $0, code: $1, duration: $2) })
        self.router = router
        do {
            self.server = try HTTPServer(
                configuration: .init(
                    host: config.server.listen.host, port: config.server.listen.port,
                    maxBodyBytes: config.server.maxBodyBytes),
                handler: router, logger: logger, loops: httpClient.eventLoops)
        } catch {
            readiness.stop()
            await probes.stop()
            healthMetrics.cancel()
            await usage.stop()
            await notifier.stop(gracePeriod: .zero)
            await catalog.stop()
            httpClient.shutdown()
            store.close()
            throw error
        }
        // Probes start once the port is bound: their first run waits for the first discovery round.
        probes.service.start()
    }

    /// curl's receive buffer per transfer: every open stream holds one, and a streamed event is well under 1 KiB
    /// (5,000 streams hold 15 MB less than at the client's 4 KiB default; a 1 MB body costs ~0.3 ms more).
    static let receiveBufferSize = 1024

    /// `server.threads`, or (0) one event loop per online core, at most 8.
    static func eventLoopCount(configured: Int) -> Int {
        configured > 0 ? configured : min(8, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Graceful stop; idempotent.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        logger.info("shutting down")
        readiness.stop()
        // A running batch is cancelled (and recorded so) first, which also ends its SSE listeners cleanly.
        await probes.service.stop()
        await server.shutdown(gracePeriod: gracePeriod)
        await probes.stop()
        healthMetrics.cancel()
        await usage.stop()
        await notifier.stop(gracePeriod: min(gracePeriod, .seconds(5)))
        await catalog.stop()
        catalogMetrics.cancel()
        httpClient.shutdown()
        store.close()
        logger.info("stopped")
    }

    /// Every upstream call of the router, counted: outcome, time to first token, tokens, fallbacks, and
    /// provider-side rate limiting.
    static func chatMetrics(_ metrics: Metrics) -> ChatAttemptObserver {
        { report in
            metrics.recordUpstream(provider: report.provider, model: report.model, outcome: report.outcome)
            if let ttft = report.ttft {
                metrics.recordUpstreamTTFT(provider: report.provider, model: report.model, duration: ttft)
            }
            if let usage = report.usage {
                metrics.recordTokens(
                    provider: report.provider, model: report.model, input: usage.promptTokens,
                    output: usage.completionTokens)
            }
            if report.isFallback { metrics.recordFallback() }
            if report.outcome == "rate_limited" { metrics.recordRateLimited(scope: "provider") }
        }
    }

    /// Probe results and finished runs, counted.
    static func probeMetrics(_ metrics: Metrics) -> ProbeObserver {
        ProbeObserver(
            probed: { result in
                metrics.recordProbe(
                    provider: result.provider, model: result.model, status: result.status.rawValue,
                    duration: result.duration, at: result.checkedAt)
            },
            runFinished: { trigger, summary in
                metrics.recordProbeRun(trigger: trigger, duration: summary.duration, at: summary.finishedAt)
            })
    }

    /// `modelrouter_model_up` follows every deployment's state: what the store restored, then each change
    /// (from probes or traffic).
    static func stateMetrics(_ registry: HealthRegistry, _ metrics: Metrics) -> Task<Void, Never> {
        let changes = registry.changes()
        for (id, snapshot) in registry.snapshots() where snapshot.state != .unknown {
            metrics.setModelUp(provider: id.provider, model: id.model, up: snapshot.state == .up)
        }
        return Task {
            for await change in changes where change.to != .unknown {
                metrics.setModelUp(provider: change.provider, model: change.model, up: change.to == .up)
            }
        }
    }
}
