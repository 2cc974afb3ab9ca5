import MRCommon
import MRConfig
import MRHTTPClient
import MRProviders

/// Turns the configured providers into adapters: one per provider, by type.
package enum ProviderFactory {
    /// `--demo` adds the simulated demo provider unless the file already has a provider with its id.
    package static func applyingDemo(_ config: Config) -> Config {
        guard config.demo, !config.providers.contains(where: { $0.id == DemoProvider.id }) else { return config }
        var config = config
        config.providers.append(DemoProvider.makeConfig())
        return config
    }

    /// Each adapter sits behind its provider's `rpm` bucket (shared by every caller of that provider).
    package static func makeAdapters(for providers: [ProviderConfig], client: HTTPClient) -> [any ProviderAdapter] {
        providers.map { provider -> any ProviderAdapter in
            let base: any ProviderAdapter =
                switch provider.type {
                case .openai: OpenAIAdapter(config: provider, client: client)
                case .anthropic: AnthropicAdapter(config: provider, client: client)
                case .simulated: SimulatedProviderFactory.make(provider)
                }
            return RateLimitedProvider(base, limiter: ProviderRateLimiter(rpm: provider.rpm))
        }
    }
}

/// A `type: simulated` provider: the demo cast for the demo provider (and for any simulated provider
/// that lists no models), else one healthy default profile per configured model.
enum SimulatedProviderFactory {
    static func make(_ provider: ProviderConfig) -> SimulatedProvider {
        if provider.id == DemoProvider.id || provider.models.isEmpty {
            return DemoProvider.makeProvider(id: provider.id)
        }
        var profiles: [String: SimulatedProfile] = [:]
        for model in provider.models {
            profiles[model.upstreamID] = SimulatedProfile(
                capabilities: model.capabilities ?? [.chat], contextLength: model.contextLength ?? 8192,
                inputCostPerMTok: model.inputCostPerMTok ?? 0, outputCostPerMTok: model.outputCostPerMTok ?? 0)
        }
        return SimulatedProvider(id: provider.id, profiles: profiles)
    }
}
