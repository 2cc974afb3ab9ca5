import Logging
import MRCatalog
import MRConfig
import MRProbes
import MRProviders
import MRStore

/// Everything probes need, built from the configuration: used by `serve` (scheduled and on-demand runs)
/// and by the one-shot `modelrouter probe`, so both run the same machinery and write the same reports.
public struct ProbeStack: Sendable {
    public let registry: HealthRegistry
    public let writer: ProbeResultWriter
    public let recorder: StoreProbeRecorder
    public let service: ProbeService

    /// - Parameter restore: load each deployment's last state and status from the store (the server does;
    ///   a one-shot run starts from nothing so that its verdict is its own).
    public static func make(
        config: Config, store: Store, catalog: CatalogService, adapters: [any ProviderAdapter],
        observer: ProbeObserver? = nil, restore: Bool, logger: Logger
    ) async -> ProbeStack {
        let registry = HealthRegistry(
            failureThreshold: config.probes.failureThreshold, successThreshold: config.probes.successThreshold)
        let writer = ProbeResultWriter(store: store, logger: logger)
        let recorder = StoreProbeRecorder(
            store: store, writer: writer, retentionDays: config.storage.retentionDays, logger: logger)
        if restore { await recorder.restore(into: registry) }
        var byID: [String: any ProviderAdapter] = [:]
        for adapter in adapters where byID[adapter.id] == nil { byID[adapter.id] = adapter }
        let service = ProbeService(
            config: config.probes, catalog: catalog,
            runner: ProbeRunner(adapters: byID, degradedAfter: config.probes.degradedAfter), registry: registry,
            recorder: recorder, observer: observer, logger: logger)
        return ProbeStack(registry: registry, writer: writer, recorder: recorder, service: service)
    }

    /// Stops the runs (a running batch is recorded as cancelled), then flushes every pending write.
    public func stop() async {
        await service.stop()
        await writer.close()
        registry.finishObservers()
    }
}
