import MRConfig
import MRProviders
import Testing

/// The limiter in front of a real adapter: a 429 pauses the deployment, and paused calls never reach it.
@Suite struct RateLimitedProviderTests {
    /// Counts calls that reach the provider; answers 429 with Retry-After when told to.
    final class Upstream: ProviderAdapter, @unchecked Sendable {
        // @unchecked: `calls` is only touched from one test task at a time.
        var calls = 0
        var retryAfter: Duration? = .seconds(120)
        let id = "up"
        var type: ProviderType { .openai }
        var isSimulated: Bool { false }
        func listModels() async throws(ProviderError) -> [DiscoveredModel] {
            calls += 1
            return []
        }
        func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
            calls += 1
            throw ProviderError(kind: .rateLimited, message: "slow down", httpStatus: 429, retryAfter: retryAfter)
        }
        func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
            calls += 1
            throw ProviderError(kind: .rateLimited, message: "slow down", httpStatus: 429, retryAfter: nil)
        }
    }

    @Test func upstream429PausesThatDeploymentOnly() async throws {
        let upstream = Upstream()
        let limiter = ProviderRateLimiter(rpm: 0)
        let provider = RateLimitedProvider(upstream, limiter: limiter)
        let request = ChatRequest(model: "m/one", messages: [ChatMessage(role: "user", content: "hi")])
        await #expect(throws: ProviderError.self) { _ = try await provider.chat(request) }
        #expect(upstream.calls == 1)
        #expect(limiter.isPaused(deployment: "m/one"))
        // While paused, the call fails at once with the remaining pause as Retry-After, without reaching upstream.
        do {
            _ = try await provider.chat(request)
            Issue.record("expected rate_limited")
        } catch {
            #expect(error.kind == .rateLimited)
            #expect((error.retryAfter ?? .zero) > .seconds(100))
        }
        #expect(upstream.calls == 1)
        // Another deployment of the same provider is not paused.
        #expect(!limiter.isPaused(deployment: "m/two"))
        _ = try await provider.listModels()
        #expect(upstream.calls == 2)
    }

    @Test func missingRetryAfterUsesTheDefaultPause() async throws {
        let upstream = Upstream()
        let limiter = ProviderRateLimiter(rpm: 0)
        let provider = RateLimitedProvider(upstream, limiter: limiter, defaultPause: .seconds(7))
        await #expect(throws: ProviderError.self) {
            _ = try await provider.embed(EmbeddingRequest(model: "m/e", input: ["x"]))
        }
        let remaining = try #require(limiter.remainingPause(deployment: "m/e"))
        #expect(remaining <= .seconds(7) && remaining > .seconds(5))
    }

    @Test func callsTakeTokensFromTheProviderBucket() async throws {
        let upstream = Upstream()
        let limiter = ProviderRateLimiter(rpm: 3, probeReserve: 0)
        let provider = RateLimitedProvider(upstream, limiter: limiter)
        for _ in 0..<3 { _ = try await provider.listModels() }
        // The bucket (3 a minute) is now empty: the next call would wait.
        guard case .wait = limiter.tryAcquire(priority: .traffic) else {
            Issue.record("the bucket should be empty after three calls")
            return
        }
    }
}
