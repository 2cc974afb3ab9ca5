import MRConfig
import Testing

@testable import MRProviders

@Suite struct SimulatedDemoTests {
    @Test func theConfigListsEveryDemoModel() {
        let config = DemoProvider.makeConfig()
        let profiles = DemoProvider.profiles()
        #expect(config.id == "demo")
        #expect(config.type == .simulated)
        #expect(config.baseURL == nil)
        #expect(config.apiKey == nil)
        #expect(profiles.count >= 12)
        #expect(config.models.map(\.id) == profiles.keys.sorted())
        for model in config.models {
            let profile = try! #require(profiles[model.id])
            #expect(model.id.hasPrefix("demo/"))
            #expect(model.upstreamID == model.id)
            #expect(model.capabilities == profile.capabilities)
            #expect(model.inputCostPerMTok == profile.inputCostPerMTok)
            #expect(model.outputCostPerMTok == profile.outputCostPerMTok)
            #expect(model.contextLength == profile.contextLength)
        }
    }

    @Test func theCastHasOneOfEachCharacter() {
        let profiles = DemoProvider.profiles()
        let down = profiles.filter { $0.value.availability == .alwaysDown }.map(\.key)
        let flapping = profiles.filter { if case .flapping = $0.value.availability { true } else { false } }.map(\.key)
        let limited = profiles.filter { $0.value.rpm > 0 }.map(\.key)
        let stalling = profiles.filter { $0.value.timeoutRate > 0 }.map(\.key)
        #expect(down == ["demo/always-down"])
        #expect(flapping == ["demo/flappy"])
        #expect(limited == ["demo/rate-limited"])
        #expect(stalling == ["demo/sometimes-stalls"])
        for capability in Capability.allCases {
            #expect(profiles.values.contains { $0.capabilities.contains(capability) }, "\(capability)")
        }
        #expect(profiles.values.contains { $0.inputCostPerMTok == 0 && $0.outputCostPerMTok == 0 })
        #expect(Set(profiles.values.map(\.timeToFirstToken.median)).count >= 8)
    }

    @Test func theDemoProviderServesTheCast() async throws {
        let wall = SimulatedWallTime(.zero)  // demo/flappy is up at the start of its cycle
        let demo = DemoProvider.makeProvider(timeScale: 0.001, now: wall.closure)
        #expect(demo.isSimulated)
        #expect(demo.id == "demo")
        #expect(try await demo.listModels().count == DemoProvider.profiles().count)
        #expect(await simulatedChat(demo, simulatedRequest("demo/fast-chat", maxTokens: 1)).finish == "length")
        #expect(await simulatedChat(demo, simulatedRequest("demo/flappy")).error == nil)
        #expect(await simulatedChat(demo, simulatedRequest("demo/always-down")).error?.httpStatus == 503)
        _ = await simulatedChat(demo, simulatedRequest("demo/rate-limited"))
        _ = await simulatedChat(demo, simulatedRequest("demo/rate-limited"))
        #expect(await simulatedChat(demo, simulatedRequest("demo/rate-limited")).error?.kind == .rateLimited)
        let vectors = try await demo.embed(EmbeddingRequest(model: "demo/embed-small", input: ["hi"])).vectors
        #expect(vectors.count == 1)
        wall.advance(by: .seconds(12 * 60))
        #expect(await simulatedChat(demo, simulatedRequest("demo/flappy")).error?.httpStatus == 503)
    }
}
