import Foundation
import MRCatalog
import MRConfig
import MRProviders
import Testing

@Suite struct MergeTests {
    func listing(
        _ id: String, type: ProviderType = .openai, simulated: Bool = false, probe: Bool = true,
        discover: Bool = true, overrides: [ModelOverride] = [], _ discovered: [DiscoveredModel] = []
    ) -> ProviderListing {
        ProviderListing(
            config: ProviderConfig(
                id: id, type: type, baseURL: "https://\(id).example", discover: discover, probe: probe,
                models: overrides),
            simulated: simulated, discovered: discovered)
    }

    @Test func discoveredModelsGetIdentityNameAndInferredCapabilities() throws {
        let catalog = CatalogMerge.merge([
            listing(
                "nvidia",
                [
                    model("meta/llama-3.1-8b-instruct"), model("nvidia/nv-embedqa-e5-v5", name: "NV EmbedQA"),
                ]),
            listing("openai", [model("gpt-4o", ownedBy: "system")]),
        ])
        #expect(catalog.models.map(\.id) == ["meta/llama-3.1-8b-instruct", "nvidia/nv-embedqa-e5-v5", "openai/gpt-4o"])
        let llama = try #require(catalog.model(id: "meta/llama-3.1-8b-instruct"))
        #expect(llama.publisher == "meta")
        #expect(llama.name == "llama-3.1-8b-instruct")
        #expect(llama.capabilities == [.chat])
        #expect(llama.deployments.map(\.upstreamID) == ["meta/llama-3.1-8b-instruct"])
        let embed = try #require(catalog.model(id: "nvidia/nv-embedqa-e5-v5"))
        #expect(embed.name == "NV EmbedQA")
        #expect(embed.capabilities == [.embedding])
        let gpt = try #require(catalog.model(providerID: "openai", upstreamID: "gpt-4o"))
        #expect(gpt.id == "openai/gpt-4o")
        #expect(catalog.model(providerID: "nvidia", upstreamID: "gpt-4o") == nil)
    }

    @Test func overrideMatchesByUpstreamIDAndItsValuesWin() throws {
        let override = ModelOverride(
            id: "meta/llama-3.1-8b", upstreamID: "meta/llama-3.1-8b-instruct", capabilities: [.chat, .code],
            inputCostPerMTok: 0.1, outputCostPerMTok: 0.2, contextLength: 4096)
        var discovered = model("meta/llama-3.1-8b-instruct")
        discovered.contextLength = 128_000
        discovered.inputCostPerMTok = 9
        discovered.outputCostPerMTok = 9
        let catalog = CatalogMerge.merge([listing("nvidia", overrides: [override], [discovered])])
        #expect(catalog.count == 1)
        let llama = try #require(catalog.model(id: "meta/llama-3.1-8b"))
        let deployment = try #require(llama.deployment(at: "nvidia"))
        #expect(deployment.upstreamID == "meta/llama-3.1-8b-instruct")
        #expect(deployment.inputCostPerMTok == 0.1)
        #expect(deployment.outputCostPerMTok == 0.2)
        #expect(deployment.contextLength == 4096)
        #expect(llama.capabilities == [.chat, .code])
    }

    @Test func overrideMatchesByModelIDAndReplacesInference() throws {
        // `openai/gpt-4o` is the id discovery derives for `gpt-4o`; the override's upstream id defaults to
        // its id, which matches no upstream id, so the match is by model id.
        let override = ModelOverride(id: "openai/gpt-4o", capabilities: [.vision])
        var discovered = model("gpt-4o", ownedBy: "openai")
        discovered.inputCostPerMTok = 2.5
        let catalog = CatalogMerge.merge([listing("openai", overrides: [override], [discovered])])
        #expect(catalog.count == 1)
        let gpt = try #require(catalog.model(id: "openai/gpt-4o"))
        #expect(gpt.capabilities == [.vision])  // replaced, not added to
        #expect(gpt.deployments.first?.upstreamID == "gpt-4o")
        #expect(gpt.deployments.first?.inputCostPerMTok == 2.5)  // the listing's, the override has none
    }

    @Test func overrideWithoutPublisherGetsOne() throws {
        let catalog = CatalogMerge.merge([
            listing("openai", overrides: [ModelOverride(id: "gpt-4o", outputCostPerMTok: 10)], [model("gpt-4o")])
        ])
        #expect(catalog.models.map(\.id) == ["openai/gpt-4o"])
        #expect(catalog.models.first?.deployments.first?.outputCostPerMTok == 10)
    }

    @Test func undiscoveredOverridesAreAdded() throws {
        let catalog = CatalogMerge.merge([
            listing(
                "local", discover: false,
                overrides: [
                    ModelOverride(id: "acme/writer", upstreamID: "writer-v2", inputCostPerMTok: 1, contextLength: 8192),
                    ModelOverride(id: "acme/coder-x"),
                ]),
            listing("nvidia", overrides: [ModelOverride(id: "meta/missing")], [model("meta/present")]),
        ])
        #expect(catalog.models.map(\.id) == ["acme/coder-x", "acme/writer", "meta/missing", "meta/present"])
        let writer = try #require(catalog.model(id: "acme/writer"))
        #expect(writer.deployments.first?.upstreamID == "writer-v2")
        #expect(writer.deployments.first?.contextLength == 8192)
        #expect(writer.contextLength == 8192)
        #expect(writer.capabilities == [.chat])
        #expect(catalog.model(id: "acme/coder-x")?.capabilities == [.chat, .code])
        #expect(catalog.model(providerID: "local", upstreamID: "writer-v2")?.id == "acme/writer")
    }

    @Test(
        arguments: [
            (true, nil, true), (true, false, false), (false, nil, false), (false, true, true), (true, true, true),
        ] as [(Bool, Bool?, Bool)])
    func probeSwitches(provider: Bool, model probe: Bool?, expected: Bool) throws {
        let catalog = CatalogMerge.merge([
            listing(
                "p", probe: provider, overrides: [ModelOverride(id: "a/listed", probe: probe)],
                [model("a/listed"), model("a/other")])
        ])
        #expect(catalog.model(id: "a/listed")?.deployments.first?.probeEnabled == expected)
        #expect(catalog.model(id: "a/other")?.deployments.first?.probeEnabled == provider)
    }

    @Test func oneModelAtSeveralProvidersHasOneDeploymentEach() throws {
        var atNvidia = model("meta/llama-3.1-8b-instruct")
        atNvidia.contextLength = 8192
        var atOpenRouter = model("meta/llama-3.1-8b-instruct", name: "Llama 3.1 8B")
        atOpenRouter.contextLength = 131_072
        atOpenRouter.inputCostPerMTok = 0.05
        let catalog = CatalogMerge.merge([
            listing("nvidia", [atNvidia]),
            listing("openrouter", [atOpenRouter]),
            listing("groq", overrides: [ModelOverride(id: "meta/llama-3.1-8b-instruct", upstreamID: "llama-3.1-8b")]),
        ])
        #expect(catalog.count == 1)
        let llama = try #require(catalog.models.first)
        #expect(llama.deployments.map(\.providerID) == ["nvidia", "openrouter", "groq"])
        #expect(
            llama.deployments.map(\.upstreamID) == [
                "meta/llama-3.1-8b-instruct", "meta/llama-3.1-8b-instruct", "llama-3.1-8b",
            ])
        #expect(llama.deployment(at: "openrouter")?.inputCostPerMTok == 0.05)
        #expect(llama.deployment(at: "nvidia")?.inputCostPerMTok == nil)
        #expect(llama.name == "Llama 3.1 8B")
        #expect(llama.contextLength == 131_072)
        #expect(catalog.model(providerID: "groq", upstreamID: "llama-3.1-8b")?.id == llama.id)
        #expect(catalog.deploymentCounts == ["nvidia": 1, "openrouter": 1, "groq": 1])
    }

    @Test func simulatedProvidersMakeSimulatedModels() throws {
        let catalog = CatalogMerge.merge([
            listing("demo", type: .simulated, simulated: true, [model("sim/fast"), model("meta/shared")]),
            listing("nvidia", [model("meta/shared")]),
        ])
        let fast = try #require(catalog.model(id: "sim/fast"))
        #expect(fast.simulated)
        #expect(fast.deployments.allSatisfy { $0.simulated })
        let shared = try #require(catalog.model(id: "meta/shared"))
        #expect(!shared.simulated)  // a real deployment exists
        #expect(shared.deployment(at: "demo")?.simulated == true)
        #expect(shared.deployment(at: "nvidia")?.simulated == false)
    }

    @Test func duplicatesWithinAProviderKeepTheFirst() throws {
        let catalog = CatalogMerge.merge([
            listing("p", [model("a/x", name: "first"), model("a/x", name: "second")])
        ])
        #expect(catalog.count == 1)
        #expect(catalog.models.first?.deployments.count == 1)
        #expect(catalog.models.first?.name == "first")
    }

    @Test func publishersAreCounted() {
        let catalog = CatalogMerge.merge([
            listing("p", [model("meta/a"), model("meta/b"), model("mistralai/c")]),
            listing("q", [model("meta/a")]),
        ])
        #expect(catalog.publishers.map(\.name) == ["meta", "mistralai"])
        #expect(catalog.publishers.map(\.modelCount) == [2, 1])
    }

    @Test func linearScanBaselineAgreesWithTheIndexedMerge() {
        let listings = [
            listing(
                "a",
                overrides: [
                    ModelOverride(id: "x/one", inputCostPerMTok: 1), ModelOverride(id: "x/added"),
                    ModelOverride(id: "x/renamed", upstreamID: "x/two"),
                ], [model("x/one"), model("x/two"), model("three", ownedBy: "y")]),
            listing("b", [model("x/one"), model("x/renamed")]),
        ]
        let date = Date(timeIntervalSince1970: 1)
        let indexed = CatalogMerge.merge(listings, at: date)
        let baseline = CatalogMerge.merge(listings, at: date, lookup: .linearScan)
        #expect(indexed.models == baseline.models)
        #expect(indexed.models.map(\.id) == ["x/added", "x/one", "x/renamed", "y/three"])
        #expect(indexed.model(id: "x/renamed")?.deployments.map(\.upstreamID) == ["x/two", "x/renamed"])
    }
}
