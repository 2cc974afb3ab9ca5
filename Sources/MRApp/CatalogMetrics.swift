import MRCatalog
import MRMetrics

/// Keeps `modelrouter_model_info{provider,model,capability}` in step with the catalog: every deployment of
/// each published snapshot gets its capabilities, and deployments that left the catalog lose their series.
enum CatalogMetrics {
    /// Exports the current catalog, then each new snapshot until the catalog service stops.
    static func start(catalog: CatalogService, metrics: Metrics) -> Task<Void, Never> {
        let changes = catalog.changes()  // subscribed first, so no snapshot slips between the two reads
        let current = catalog.catalog
        return Task {
            var exported = export(current, to: metrics, previous: [])
            for await snapshot in changes {
                exported = export(snapshot, to: metrics, previous: exported)
            }
        }
    }

    /// Sets the info series of every deployment in `catalog`, removes those of `previous` not in it, and
    /// returns what is exported now.
    static func export(_ catalog: Catalog, to metrics: Metrics, previous: Set<MetricsDeployment>)
        -> Set<MetricsDeployment>
    {
        var now = Set<MetricsDeployment>()
        for model in catalog.models {
            for deployment in model.deployments {
                metrics.setModelInfo(
                    provider: deployment.providerID, model: model.id,
                    capabilities: deployment.capabilities.map(\.rawValue))
                now.insert(MetricsDeployment(provider: deployment.providerID, model: model.id))
            }
        }
        for gone in previous.subtracting(now) { metrics.removeModel(provider: gone.provider, model: gone.model) }
        return now
    }
}
