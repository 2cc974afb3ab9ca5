import MRCatalog
import MRConfig
import MRProbes
import Testing

/// Which deployments a batch covers: filters, the probe switches, and the probe kind per capability.
@Suite struct ProbeFilterTests {
    static let catalog = Catalog(models: [
        CatalogModel(
            id: "meta/llama", name: "llama", publisher: "meta", capabilities: [.chat], simulated: false,
            contextLength: nil,
            deployments: [
                CatalogDeployment(providerID: "nvidia", upstreamID: "meta/llama"),
                CatalogDeployment(providerID: "groq", upstreamID: "llama", probeEnabled: false),
            ]),
        CatalogModel(
            id: "nvidia/embed", name: "embed", publisher: "nvidia", capabilities: [.embedding], simulated: false,
            contextLength: nil,
            deployments: [CatalogDeployment(providerID: "nvidia", upstreamID: "embed", capabilities: [.embedding])]),
        CatalogModel(
            id: "acme/coder", name: "coder", publisher: "acme", capabilities: [.chat, .code], simulated: false,
            contextLength: nil,
            deployments: [CatalogDeployment(providerID: "acme", upstreamID: "coder", capabilities: [.chat, .code])]),
    ])

    @Test func switchedOffDeploymentsAreNotProbed() {
        let targets = ProbeFilter().targets(in: Self.catalog)
        #expect(
            targets.map(\.deployment.description) == ["acme/coder@acme", "meta/llama@nvidia", "nvidia/embed@nvidia"])
    }

    @Test func embeddingOnlyModelsGetAnEmbeddingProbe() {
        let kinds = Dictionary(
            uniqueKeysWithValues: ProbeFilter().targets(in: Self.catalog).map { ($0.model, $0.kind) })
        #expect(kinds == ["meta/llama": .chat, "nvidia/embed": .embedding, "acme/coder": .chat])
    }

    @Test func filtersNarrowTheBatch() {
        #expect(ProbeFilter(capability: .code).targets(in: Self.catalog).map(\.model) == ["acme/coder"])
        #expect(ProbeFilter(publisher: "nvidia").targets(in: Self.catalog).map(\.model) == ["nvidia/embed"])
        #expect(ProbeFilter(model: "meta/llama").targets(in: Self.catalog).map(\.provider) == ["nvidia"])
        #expect(ProbeFilter(model: "nope").targets(in: Self.catalog).isEmpty)
    }
}
