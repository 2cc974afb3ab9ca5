import MRCatalog
import MRConfig
import MRRouting
import Testing

/// Ordering by strategy, and the resolution of a request's model name to deployments.
@Suite struct StrategyOrderTests {
    let cheapSlow = candidate("cheap-slow", preference: 0, latency: 2000, cost: (0.1, 0.2), context: 8192)
    let dearFast = candidate("dear-fast", preference: 1, latency: 150, cost: (5, 15), context: 128_000)
    let midCoder = candidate(
        "mid-coder", preference: 2, latency: 600, cost: (1, 2), context: 32_000, capabilities: [.chat, .code])

    func order(_ strategy: RoutingStrategy, capability: Capability? = nil, _ list: [RouteCandidate]? = nil)
        -> [String]
    {
        StrategyOrder.sorted(list ?? [cheapSlow, dearFast, midCoder], strategy: strategy, capability: capability)
            .map(\.model)
    }

    @Test func costPutsTheCheapestFirst() {
        #expect(order(.cost) == ["cheap-slow", "mid-coder", "dear-fast"])
    }

    @Test func latencyPutsTheFastestFirst() {
        #expect(order(.latency) == ["dear-fast", "mid-coder", "cheap-slow"])
    }

    @Test func capabilityPutsTheBestMatchFirst() {
        #expect(order(.capability, capability: .code).first == "mid-coder")
        // Without a specific need every one can chat: the largest context wins.
        #expect(order(.capability) == ["dear-fast", "mid-coder", "cheap-slow"])
    }

    @Test func balancedWeighsLatencyCostAndFit() {
        // Latency weighs most: a 13x faster first token beats a 6x price.
        #expect(order(.balanced).first == "dear-fast")
        // But a small speed edge does not justify a hundredfold price.
        let quickDear = candidate("quick-dear", preference: 0, latency: 100, cost: (25, 25))
        let nearlyCheap = candidate("nearly-cheap", preference: 1, latency: 120, cost: (0.2, 0.3))
        #expect(order(.balanced, [quickDear, nearlyCheap]) == ["nearly-cheap", "quick-dear"])
        #expect(order(.latency, [quickDear, nearlyCheap]) == ["quick-dear", "nearly-cheap"])
        let weights = StrategyOrder.balancedWeights
        #expect(weights.latency + weights.cost + weights.capability == 1)
    }

    @Test func unknownValuesGoLastUnderTheirOwnStrategy() {
        let unknown = candidate("unknown", preference: 0)
        let known = candidate("known", preference: 1, latency: 5000, cost: (50, 50))
        #expect(order(.cost, [unknown, known]) == ["known", "unknown"])
        #expect(order(.latency, [unknown, known]) == ["known", "unknown"])
    }

    @Test func tiesKeepTheRequestsOrder() {
        let list = (0..<5).map { candidate("m\($0)", preference: $0, latency: 100, cost: (1, 1)) }
        for strategy in RoutingStrategy.allCases {
            #expect(order(strategy, list.reversed()) == ["m0", "m1", "m2", "m3", "m4"])
        }
    }

    @Test func oneOutlierPriceDoesNotFlattenTheRest() {
        let scores = StrategyOrder.scores(
            [
                candidate("a", cost: (0, 0)), candidate("b", cost: (0.5, 0.5)),
                candidate("c", cost: (500, 1500)),
            ], capability: nil, unknownPenalty: 1)
        #expect(scores[1].cost == 0.5)  // 1 $ against free is still a clear gap beside 2000 $
        #expect(scores[0].cost == 0 && scores[2].cost > 0.99)
    }
}

@Suite struct CandidateResolverTests {
    let catalog = Catalog(models: [
        model("meta/llama", providers: ["groq", "nvidia"], capabilities: [.chat]),
        model("qwen/coder", providers: ["nvidia"], capabilities: [.chat, .code]),
        model("nvidia/embed", providers: ["nvidia"], capabilities: [.embedding]),
        model("anthropic/claude-x", providers: ["anthropic"], capabilities: [.chat, .vision], upstream: "claude-x"),
    ])
    var resolver: CandidateResolver {
        CandidateResolver(
            catalog: catalog,
            aliases: [
                ModelAlias(name: "fast", models: ["qwen/coder", "missing/model", "meta/llama"]),
                ModelAlias(name: "ghost", models: ["missing/model"]),
            ])
    }

    static func model(_ id: String, providers: [String], capabilities: [Capability], upstream: String? = nil)
        -> CatalogModel
    {
        CatalogModel(
            id: id, name: id, publisher: String(id.split(separator: "/")[0]), capabilities: capabilities,
            simulated: false, contextLength: nil,
            deployments: providers.map {
                CatalogDeployment(providerID: $0, upstreamID: upstream ?? id, capabilities: capabilities)
            })
    }

    func names(_ list: [CandidateResolver.Resolved]) -> [String] {
        list.map { "\($0.model)@\($0.deployment.providerID)#\($0.preference)" }
    }

    @Test func aModelIdGivesEachDeploymentInProviderOrder() throws {
        #expect(
            names(try resolver.resolve("meta/llama", endpoint: .chat)) == ["meta/llama@groq#0", "meta/llama@nvidia#1"])
    }

    @Test func anAliasGivesItsMembersInOrderAndSkipsUnknownOnes() throws {
        #expect(
            names(try resolver.resolve("fast", endpoint: .chat)) == [
                "qwen/coder@nvidia#0", "meta/llama@groq#1", "meta/llama@nvidia#2",
            ])
        #expect(throws: CandidateResolver.Failure.self) { try resolver.resolve("ghost", endpoint: .chat) }
    }

    @Test func autoTakesEveryModelWithTheCapability() throws {
        #expect(try resolver.resolve("auto", endpoint: .chat).count == 4)
        #expect(names(try resolver.resolve("auto", endpoint: .chat, preferred: .code)) == ["qwen/coder@nvidia#0"])
        #expect(names(try resolver.resolve("auto", endpoint: .embedding)) == ["nvidia/embed@nvidia#0"])
        #expect(
            throws: CandidateResolver.Failure.noCandidates(
                "no model in the catalog has the capabilities chat and embedding")
        ) {
            try resolver.resolve("auto", endpoint: .chat, preferred: .embedding)
        }
    }

    @Test func aProvidersOwnNameFindsTheModel() throws {
        #expect(names(try resolver.resolve("claude-x", endpoint: .chat)) == ["anthropic/claude-x@anthropic#0"])
    }

    @Test func unknownAndUnsuitableModelsAreErrors() {
        #expect(throws: CandidateResolver.Failure.unknownModel("nope/nothing")) {
            try resolver.resolve("nope/nothing", endpoint: .chat)
        }
        #expect(throws: CandidateResolver.Failure.unsupported(model: "nvidia/embed", capability: .chat)) {
            try resolver.resolve("nvidia/embed", endpoint: .chat)
        }
    }
}
