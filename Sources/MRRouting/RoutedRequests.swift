import MRConfig
import MRProviders

/// The request's own routing wishes (the `route` object of the chat body); nil fields take the config's.
public struct RouteOptions: Sendable, Hashable {
    /// `cost`, `latency`, `capability` or `balanced`.
    public var strategy: RoutingStrategy?
    /// The capability to prefer (`auto` only considers models that have it).
    public var capability: Capability?
    /// Fallbacks allowed after the first call (bounded by ``RoutingConfig/maxFallbacksRange``).
    public var fallbacks: Int?

    public init(strategy: RoutingStrategy? = nil, capability: Capability? = nil, fallbacks: Int? = nil) {
        self.strategy = strategy
        self.capability = capability
        self.fallbacks = fallbacks
    }
}

/// Who asked, for usage accounting.
public struct UsageContext: Sendable, Hashable {
    /// The API key id (`key_…`, `admin`); nil when unknown.
    public var keyID: String?

    public init(keyID: String? = nil) {
        self.keyID = keyID
    }
}

/// A chat to route, validated by the API layer.
public struct RoutedChatRequest: Sendable {
    /// A model id, an alias, or `auto`.
    public var model: String
    public var messages: [ChatMessage]
    public var system: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var route: RouteOptions
    /// When the request arrived (for the router's own overhead and the client-side latencies).
    public var receivedAt: ContinuousClock.Instant
    public var usage: UsageContext

    public init(
        model: String, messages: [ChatMessage], system: String? = nil, temperature: Double? = nil,
        maxTokens: Int? = nil, route: RouteOptions = RouteOptions(), receivedAt: ContinuousClock.Instant = .now,
        usage: UsageContext = UsageContext()
    ) {
        self.model = model
        self.messages = messages
        self.system = system
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.route = route
        self.receivedAt = receivedAt
        self.usage = usage
    }
}

/// An embeddings call to route.
public struct RoutedEmbeddingRequest: Sendable {
    /// A model id, an alias, or `auto` (any embedding model).
    public var model: String
    public var input: [String]
    public var route: RouteOptions
    public var receivedAt: ContinuousClock.Instant
    public var usage: UsageContext

    public init(
        model: String, input: [String], route: RouteOptions = RouteOptions(),
        receivedAt: ContinuousClock.Instant = .now, usage: UsageContext = UsageContext()
    ) {
        self.model = model
        self.input = input
        self.route = route
        self.receivedAt = receivedAt
        self.usage = usage
    }
}

/// A whole answer, for clients that did not ask for a stream.
public struct ChatCompletion: Sendable {
    public var text: String
    /// OpenAI's vocabulary (`stop`, `length`, …), see ``FinishReason/normalized(_:)``.
    public var finishReason: String
    public var usage: Usage?
    public var trace: RouteTrace
    /// From the request's arrival to the first token.
    public var ttft: Duration
    /// From the request's arrival to the end of the answer.
    public var latency: Duration
}

/// Finish reasons in OpenAI's vocabulary, whatever the provider said.
public enum FinishReason {
    /// `end_turn`/`stop_sequence` → `stop`, `max_tokens` → `length`, `tool_use` → `tool_calls`; others as given.
    public static func normalized(_ reason: String) -> String {
        switch reason {
        case "end_turn", "stop_sequence", "stop", "": "stop"
        case "max_tokens", "length": "length"
        case "tool_use", "tool_calls": "tool_calls"
        default: reason
        }
    }
}
