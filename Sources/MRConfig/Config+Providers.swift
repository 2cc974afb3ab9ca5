/// The wire protocol a provider speaks.
public enum ProviderType: String, Sendable, Hashable, CaseIterable {
    /// OpenAI-compatible (`/chat/completions`, `/models`): OpenAI, NVIDIA, OpenRouter, Groq, vLLM, …
    case openai
    /// Anthropic's Messages API.
    case anthropic
    /// In-process fake models (the demo); no network.
    case simulated
}

/// What a model can do (SPEC "Identity").
public enum Capability: String, Sendable, Hashable, CaseIterable {
    case chat
    case code
    case vision
    case embedding
}

/// One `providers` entry: a vendor endpoint with the operator's key.
public struct ProviderConfig: Sendable, Equatable {
    /// Bounds of ``rpm``.
    public static let rpmRange = 0...1_000_000

    /// Unique provider id (letters, digits, `.`, `_`, `-`); used in metrics labels and deployment names.
    public var id: String
    /// Wire protocol.
    public var type: ProviderType
    /// API root without a trailing slash (`https://integrate.api.nvidia.com/v1`); nil only for `simulated`.
    public var baseURL: String?
    /// Vendor API key; nil when none is configured (requests go without one, or with a user's own key).
    public var apiKey: String?
    /// Requests per minute shared by traffic and probes; 0 = no limit.
    public var rpm: Int
    /// Read `GET {base_url}/models` to find models.
    public var discover: Bool
    /// Probe this provider's models (per-model ``ModelOverride/probe`` can still switch one off or on).
    public var probe: Bool
    /// Models to add or override, in file order.
    public var models: [ModelOverride]

    /// A provider entry; defaults are those of a minimal file entry.
    public init(
        id: String, type: ProviderType, baseURL: String? = nil, apiKey: String? = nil, rpm: Int = 0,
        discover: Bool = true, probe: Bool = true, models: [ModelOverride] = []
    ) {
        self.id = id
        self.type = type
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.rpm = rpm
        self.discover = discover
        self.probe = probe
        self.models = models
    }
}

/// A `providers[].models` entry: adds a model to what discovery finds, or overrides what it says.
public struct ModelOverride: Sendable, Equatable {
    /// Bounds of ``contextLength``.
    public static let contextLengthRange = 1...100_000_000

    /// Model id as ModelRouter shows it (`meta/llama-3.1-8b-instruct`).
    public var id: String
    /// The provider's own name for it (defaults to ``id``).
    public var upstreamID: String
    /// Capabilities; nil means "infer from the id and the provider's metadata".
    public var capabilities: [Capability]?
    /// US dollars per million input tokens.
    public var inputCostPerMTok: Double?
    /// US dollars per million output tokens.
    public var outputCostPerMTok: Double?
    /// Context window in tokens.
    public var contextLength: Int?
    /// Per-model probing switch; nil follows the provider's ``ProviderConfig/probe``.
    public var probe: Bool?

    /// A model override; only `id` is required.
    public init(
        id: String, upstreamID: String? = nil, capabilities: [Capability]? = nil, inputCostPerMTok: Double? = nil,
        outputCostPerMTok: Double? = nil, contextLength: Int? = nil, probe: Bool? = nil
    ) {
        self.id = id
        self.upstreamID = upstreamID ?? id
        self.capabilities = capabilities
        self.inputCostPerMTok = inputCostPerMTok
        self.outputCostPerMTok = outputCostPerMTok
        self.contextLength = contextLength
        self.probe = probe
    }
}

// MARK: - Decoding

extension ProviderConfig {
    static let keys = ["id", "type", "base_url", "api_key", "rpm", "discover", "probe", "models"]

    /// Decodes the `providers` list, rejecting two entries with the same id.
    static func list(from node: ConfigNode) throws(ConfigError) -> [ProviderConfig] {
        var providers: [ProviderConfig] = []
        for item in try node.list() {
            let provider = try ProviderConfig(from: item)
            if providers.contains(where: { $0.id == provider.id }) {
                let idNode = try item.mapping(allowedKeys: nil).required("id")
                throw idNode.failure(.duplicateID, "provider id \"\(provider.id)\" is used twice")
            }
            providers.append(provider)
        }
        return providers
    }

    /// Decodes one entry; an id that names a ``ProviderPreset`` fills in what the entry leaves out.
    init(from node: ConfigNode) throws(ConfigError) {
        let map = try node.mapping(allowedKeys: Self.keys)
        let idNode = try map.required("id")
        let id = try idNode.string()
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw idNode.failure(.invalidValue, "\"\(id)\" is not a valid provider id (letters, digits, '.', '_', '-')")
        }
        let preset = ProviderPreset.named(id)

        let type: ProviderType
        if let value = map["type"] {
            type = try value.choice(ProviderType.self)
        } else if let preset {
            type = preset.type
        } else {
            let presets = ProviderPreset.all.map(\.id).joined(separator: ", ")
            throw map.owner.failure(
                .missingKey,
                "missing required key \"type\" (openai, anthropic or simulated); \"\(id)\" is not a preset "
                    + "(presets: \(presets))")
        }
        self.init(id: id, type: type, rpm: preset?.rpm ?? 0)

        if let value = map["base_url"] {
            baseURL = try value.optionalString()
            if let url = baseURL { baseURL = try Self.validated(url, value) }
        } else {
            baseURL = preset?.baseURL
        }
        if baseURL == nil, type != .simulated {
            throw map.owner.failure(.missingKey, "missing required key \"base_url\" (an http:// or https:// URL)")
        }
        if let value = map["api_key"] {
            apiKey = try value.optionalString()
        } else if let preset {
            apiKey = preset.apiKey(in: node.context.expansion.environment)
        }
        if let value = map["rpm"] { rpm = try value.int(in: Self.rpmRange) }
        if let value = map["discover"] { discover = try value.bool() }
        if let value = map["probe"] { probe = try value.bool() }
        if let value = map["models"] { models = try ModelOverride.list(from: value) }
    }

    /// `url` without its trailing slashes, if it is an absolute http(s) URL with a host.
    private static func validated(_ url: String, _ node: ConfigNode) throws(ConfigError) -> String {
        let scheme = ["http://", "https://"].first { url.lowercased().hasPrefix($0) }
        let rest = scheme.map { url.dropFirst($0.count) } ?? ""
        let host = rest.prefix { $0 != "/" }
        let isValid =
            scheme != nil && !host.isEmpty && !host.hasPrefix(":")
            && !url.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" })
        guard isValid else {
            throw node.failure(.invalidValue, "\"\(url)\" is not an http:// or https:// URL with a host")
        }
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }
}

extension ModelOverride {
    static let keys = [
        "id", "upstream_id", "capabilities", "input_cost_per_mtok", "output_cost_per_mtok", "context_length", "probe",
    ]

    /// Decodes a provider's `models` list, rejecting two entries with the same id.
    static func list(from node: ConfigNode) throws(ConfigError) -> [ModelOverride] {
        var models: [ModelOverride] = []
        for item in try node.list() {
            let model = try ModelOverride(from: item)
            if models.contains(where: { $0.id == model.id }) {
                let idNode = try item.mapping(allowedKeys: nil).required("id")
                throw idNode.failure(.duplicateID, "model id \"\(model.id)\" is listed twice for this provider")
            }
            models.append(model)
        }
        return models
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let map = try node.mapping(allowedKeys: Self.keys)
        let idNode = try map.required("id")
        self.init(id: try idNode.modelID())
        if let value = map["upstream_id"] { upstreamID = try value.modelID() }
        if let value = map["capabilities"] {
            var capabilities: [Capability] = []
            for item in try value.list() {
                let capability = try item.choice(Capability.self)
                if !capabilities.contains(capability) { capabilities.append(capability) }
            }
            guard !capabilities.isEmpty else {
                throw value.failure(.invalidValue, "must list at least one of chat, code, vision, embedding")
            }
            self.capabilities = capabilities
        }
        if let value = map["input_cost_per_mtok"] { inputCostPerMTok = try value.nonNegativeDouble() }
        if let value = map["output_cost_per_mtok"] { outputCostPerMTok = try value.nonNegativeDouble() }
        if let value = map["context_length"] { contextLength = try value.int(in: Self.contextLengthRange) }
        if let value = map["probe"] { probe = try value.bool() }
    }
}

extension ConfigNode {
    /// A model id: a non-empty string without whitespace.
    func modelID() throws(ConfigError) -> String {
        let id = try string()
        guard !id.contains(where: \.isWhitespace) else {
            throw failure(.invalidValue, "a model id must not contain whitespace, got \"\(id)\"")
        }
        return id
    }
}
