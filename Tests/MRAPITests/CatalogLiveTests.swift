import Foundation
import MRConfig
import MRTestSupport
import Testing

/// The catalog end to end: the demo provider, and an OpenAI-compatible provider discovered over real
/// HTTP from the fake provider, including a discovery that fails after a restart.
@Suite struct CatalogLiveTests {
    @Test func demoModelsAreListedAndLabelledSimulated() async throws {
        let app = try await TestApplication { $0.demo = true }
        let models = try await app.json("/api/models")
        let coder = try await app.json("/api/models/demo/coder")
        let embeddings = try await app.json("/api/models?capability=embedding")
        let unknown = try await app.request("GET", "/api/models/demo/nope", key: TestApplication.adminKey)
        let publishers = try await app.json("/api/publishers")
        await app.stop()
        let list = try #require(models["models"] as? [[String: Any]])
        #expect(list.count >= 12)
        #expect(models["count"] as? Int == list.count)
        #expect(list.allSatisfy { $0["simulated"] as? Bool == true })
        #expect(list.contains { $0["id"] as? String == "demo/always-down" })
        #expect((coder["capabilities"] as? [String])?.contains("code") == true)
        #expect(
            (embeddings["models"] as? [[String: Any]])?.allSatisfy {
                ($0["capabilities"] as? [String]) == ["embedding"]
            } == true)
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("NOT_FOUND"))
        let first = try #require((publishers["publishers"] as? [[String: Any]])?.first)
        #expect(first["publisher"] as? String == "demo")
        #expect(first["models"] as? Int == list.count)
    }

    @Test func discoversAnOpenAICompatibleProviderAndKeepsItsKeySecret() async throws {
        let fake = try FakeProvider()
        let secret = "nvapi-test-secret-123"
        let app = try await TestApplication { config in
            config.providers = [ProviderConfig(id: "nvidia", type: .openai, baseURL: fake.baseURL, apiKey: secret)]
        }
        let discovered = await eventually {
            ((try? await app.json("/api/models"))?["count"] as? Int ?? 0) == FakeProvider.defaultModels.count
        }
        #expect(discovered)
        let llama = try await app.json("/api/models/meta/llama-3.1-8b-instruct")
        let embed = try await app.json("/api/models/nvidia/nv-embedqa-e5-v5")
        let providers = try await app.request("GET", "/api/providers", key: TestApplication.adminKey)
        let openAIList = try await app.json("/v1/models")
        await app.stop()
        await fake.shutdown()
        #expect(llama["publisher"] as? String == "meta")
        #expect(llama["capabilities"] as? [String] == ["chat"])
        #expect(embed["capabilities"] as? [String] == ["embedding"])
        #expect(providers.status == 200)
        #expect(!providers.text.contains(secret))
        #expect((openAIList["data"] as? [[String: Any]])?.count == FakeProvider.defaultModels.count)
        let listing = try #require(fake.requests.first { $0.path == "/v1/models" })
        #expect(listing.headers.contains { $0.name.lowercased() == "authorization" && $0.value == "Bearer \(secret)" })
    }

    @Test func failedDiscoveryKeepsTheLastKnownCatalogAcrossARestart() async throws {
        let fake = try FakeProvider()
        let provider = { (config: inout Config) in
            config.providers = [ProviderConfig(id: "vllm", type: .openai, baseURL: fake.baseURL)]
        }
        let first = try await TestApplication(configure: provider)
        #expect(
            await eventually {
                ((try? await first.json("/api/models"))?["count"] as? Int ?? 0) == FakeProvider.defaultModels.count
            })
        await first.stop(keepFiles: true)

        // Upstream now fails: the restarted service still serves what it knew, and says what went wrong.
        fake.script(.fail(status: 500, message: "listing is down", headers: []), route: .models)
        let second = try await TestApplication(directory: first.directory, configure: provider)
        let models = try await second.json("/api/models")
        #expect(models["count"] as? Int == FakeProvider.defaultModels.count)
        let sawError = await eventually {
            let providers = try? await second.json("/api/providers")
            let first = (providers?["providers"] as? [[String: Any]])?.first
            let discovery = first?["discovery"] as? [String: Any]
            return (discovery?["consecutive_failures"] as? Int ?? 0) >= 1 && discovery?["last_error"] is String
        }
        #expect(sawError)
        #expect((try await second.json("/api/models"))["count"] as? Int == FakeProvider.defaultModels.count)
        await second.stop()
        await fake.shutdown()
    }
}
