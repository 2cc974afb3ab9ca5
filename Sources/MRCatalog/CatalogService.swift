import Logging
import MRConfig
import MRProviders
import MRStore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Keeps the catalog: the last known one from SQLite at start, then discovery of every provider at start
/// and every `discoveryInterval`, merged with the configuration's overrides.
///
/// Readers take `catalog`, an immutable snapshot swapped atomically under a mutex, so HTTP handlers can
/// read it on any thread without waiting for discovery. A provider whose discovery fails keeps its last
/// known models (in memory and in SQLite) and its failure is recorded (`providerStatuses()`); nothing
/// about discovery ever stops start-up.
public final class CatalogService: Sendable {
    /// The providers, in configuration order (adapters without a configuration entry come last).
    public let providers: [ProviderConfig]
    /// How often discovery runs after the first time.
    public let discoveryInterval: Duration
    /// How long one provider's model listing may take.
    public let discoveryTimeout: Duration

    let adapters: [String: any ProviderAdapter]
    let store: Store
    let logger: Logger
    let now: @Sendable () -> Date
    let state: Mutex<State>

    struct State {
        var catalog: Catalog
        /// Each provider's last known listing.
        var listings: [String: [DiscoveredModel]] = [:]
        /// Bumped at each change of `listings`; the catalog shows generation `publishedGeneration`.
        var generation = 0
        var publishedGeneration = 0
        var records: [String: ProviderDiscoveryRecord] = [:]
        var loop: Task<Void, Never>?
        /// The discovery round in progress, joined by concurrent `refresh()` calls.
        var round: Task<Void, Never>?
        var observers: [UUID: AsyncStream<Catalog>.Continuation] = [:]
        var stopped = false
    }

    /// - Parameters:
    ///   - providers: the configured providers (their `models` overrides are merged in).
    ///   - adapters: one per provider to discover, matched by `id`.
    ///   - now: the clock for recorded times (tests may pin it).
    public init(
        providers: [ProviderConfig], adapters: [any ProviderAdapter], store: Store,
        discoveryInterval: Duration = .seconds(3600), discoveryTimeout: Duration = .seconds(30), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var configs = providers
        for adapter in adapters where !configs.contains(where: { $0.id == adapter.id }) {
            configs.append(ProviderConfig(id: adapter.id, type: adapter.type))
        }
        var byID: [String: any ProviderAdapter] = [:]
        for adapter in adapters where byID[adapter.id] == nil { byID[adapter.id] = adapter }
        self.providers = configs
        self.adapters = byID
        self.store = store
        self.discoveryInterval = discoveryInterval
        self.discoveryTimeout = discoveryTimeout
        self.logger = logger
        self.now = now
        let initial = CatalogMerge.merge(
            configs.map { ProviderListing(config: $0, simulated: Self.isSimulated($0, byID[$0.id]), discovered: []) },
            at: now())
        self.state = Mutex(State(catalog: initial))
    }

    deinit {
        state.withLock { state in
            state.loop?.cancel()
            state.round?.cancel()
            for continuation in state.observers.values { continuation.finish() }
        }
    }

    // MARK: Reading

    /// The current snapshot.
    public var catalog: Catalog { state.withLock { $0.catalog } }

    /// The adapter of each provider, by provider id (the router calls them).
    package var providerAdapters: [String: any ProviderAdapter] { adapters }

    /// Every provider with its model count and discovery record, in configuration order.
    public func providerStatuses() -> [ProviderStatus] {
        let (catalog, records) = state.withLock { ($0.catalog, $0.records) }
        let counts = catalog.deploymentCounts
        return providers.map { config in
            let record = records[config.id]
            return ProviderStatus(
                id: config.id, type: config.type, baseURL: config.baseURL,
                simulated: Self.isSimulated(config, adapters[config.id]), discover: config.discover,
                modelCount: counts[config.id] ?? 0, lastAttemptAt: record?.lastAttemptAt,
                lastSuccessAt: record?.lastSuccessAt, lastError: record?.lastError, lastErrorAt: record?.lastErrorAt,
                consecutiveFailures: record?.consecutiveFailures ?? 0)
        }
    }

    /// Each new snapshot, as it is published (the newest only, if the reader falls behind). Ends at `stop()`.
    public func changes() -> AsyncStream<Catalog> {
        let (stream, continuation) = AsyncStream.makeStream(of: Catalog.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let registered = state.withLock { state in
            guard !state.stopped else { return false }
            state.observers[id] = continuation
            return true
        }
        guard registered else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: Lifecycle

    /// Loads the last known catalog from SQLite (published before this returns), then starts discovery in
    /// the background: now, and every `discoveryInterval` until `stop()`. Calling it twice does nothing.
    public func start() async {
        let alreadyStarted = state.withLock { $0.loop != nil || $0.stopped }
        guard !alreadyStarted else { return }
        await loadLastKnown()
        let loop = Task { [self] in
            while !Task.isCancelled {
                await refresh()
                do { try await Task.sleep(for: discoveryInterval) } catch { return }
            }
        }
        let keep = state.withLock { state in
            guard state.loop == nil, !state.stopped else { return false }
            state.loop = loop
            return true
        }
        if !keep { loop.cancel() }
    }

    /// Stops the periodic discovery, cancels a round in progress and ends the `changes()` streams.
    public func stop() async {
        let (loop, round, observers) = state.withLock { state in
            state.stopped = true
            defer {
                state.loop = nil
                state.observers = [:]
            }
            return (state.loop, state.round, Array(state.observers.values))
        }
        loop?.cancel()
        round?.cancel()
        for continuation in observers { continuation.finish() }
        await loop?.value
        await round?.value
    }

    /// Runs discovery of every provider now and returns when it is merged, persisted and published. A call
    /// while a round is already running joins that round.
    public func refresh() async {
        let round = state.withLock { state -> Task<Void, Never>? in
            if let round = state.round { return round }
            guard !state.stopped else { return nil }
            let round = Task { [self] in
                await discoverAll()
                self.state.withLock { $0.round = nil }
            }
            state.round = round
            return round
        }
        await round?.value
    }

    // MARK: Publishing

    /// Merges the listings with the configuration and swaps the snapshot in. The merge runs outside the
    /// lock (readers never wait for it); a merge that finishes after a newer one is dropped.
    func publish() {
        let (generation, known) = state.withLock { ($0.generation, $0.listings) }
        let listings = providers.map { config in
            ProviderListing(
                config: config, simulated: Self.isSimulated(config, adapters[config.id]),
                discovered: config.discover ? known[config.id] ?? [] : [])
        }
        let catalog = CatalogMerge.merge(listings, at: now())
        let observers = state.withLock { state -> [AsyncStream<Catalog>.Continuation] in
            guard generation > state.publishedGeneration else { return [] }
            state.publishedGeneration = generation
            state.catalog = catalog
            return Array(state.observers.values)
        }
        for continuation in observers { continuation.yield(catalog) }
    }

    static func isSimulated(_ config: ProviderConfig, _ adapter: (any ProviderAdapter)?) -> Bool {
        adapter?.isSimulated ?? (config.type == .simulated)
    }
}
