/// A well-known provider: a `providers` entry whose `id` is a preset's id inherits its type, base URL,
/// rate limit and API key (from the preset's environment variable) unless the entry sets them, so
/// `- id: nvidia` is a complete entry when `NVIDIA_API_KEY` is set. With no config file at all, every
/// preset whose key variable is set is enabled.
public struct ProviderPreset: Sendable, Hashable {
    /// Provider id, also the `providers[].id` that selects the preset.
    public let id: String
    /// Wire protocol.
    public let type: ProviderType
    /// API root, without a trailing slash.
    public let baseURL: String
    /// Requests per minute the provider allows (0 = no limit known; set `rpm` for your account's tier).
    public let rpm: Int
    /// Environment variable holding the API key.
    public let apiKeyVariable: String

    /// Every preset, in the order they are enabled when there is no config file.
    public static let all: [ProviderPreset] = [
        ProviderPreset(
            id: "nvidia", type: .openai, baseURL: "https://integrate.api.nvidia.com/v1", rpm: 40,
            apiKeyVariable: "NVIDIA_API_KEY"),
        ProviderPreset(
            id: "openai", type: .openai, baseURL: "https://api.openai.com/v1", rpm: 0,
            apiKeyVariable: "OPENAI_API_KEY"),
        ProviderPreset(
            id: "anthropic", type: .anthropic, baseURL: "https://api.anthropic.com/v1", rpm: 0,
            apiKeyVariable: "ANTHROPIC_API_KEY"),
        ProviderPreset(
            id: "openrouter", type: .openai, baseURL: "https://openrouter.ai/api/v1", rpm: 0,
            apiKeyVariable: "OPENROUTER_API_KEY"),
        ProviderPreset(
            id: "groq", type: .openai, baseURL: "https://api.groq.com/openai/v1", rpm: 0,
            apiKeyVariable: "GROQ_API_KEY"),
    ]

    /// The preset with this id, if any.
    public static func named(_ id: String) -> ProviderPreset? {
        all.first { $0.id == id }
    }

    /// The preset's API key from `environment`; unset or empty is nil.
    public func apiKey(in environment: [String: String]) -> String? {
        guard let key = environment[apiKeyVariable], !key.isEmpty else { return nil }
        return key
    }

    /// The provider entry `- id: <preset>` stands for.
    public func provider(environment: [String: String]) -> ProviderConfig {
        ProviderConfig(id: id, type: type, baseURL: baseURL, apiKey: apiKey(in: environment), rpm: rpm)
    }
}
