/// How the router orders candidate deployments (SPEC "Routing").
public enum RoutingStrategy: String, Sendable, Hashable, CaseIterable {
    /// Cheapest first.
    case cost
    /// Lowest recent p50 latency / TTFT first.
    case latency
    /// Best match for the requested capability first.
    case capability
    /// A documented weighting of the three.
    case balanced
}

/// The `routing` section: default strategy, fallbacks and the three upstream timeouts.
public struct RoutingConfig: Sendable, Equatable {
    /// Bounds of ``maxFallbacks``.
    public static let maxFallbacksRange = 0...10
    /// Bounds of each timeout: more than zero, at most an hour.
    public static let timeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(3600)

    /// Strategy used when a request does not name one.
    public var strategy: RoutingStrategy
    /// Further candidates tried after the first fails (before the first token).
    public var maxFallbacks: Int
    /// Upstream call: until the first token.
    public var firstTokenTimeout: Duration
    /// Upstream call: between two chunks.
    public var idleTimeout: Duration
    /// Upstream call: in total.
    public var requestTimeout: Duration

    /// A routing section; every parameter defaults to the SPEC's value.
    public init(
        strategy: RoutingStrategy = .balanced,
        maxFallbacks: Int = 2,
        firstTokenTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(300)
    ) {
        self.strategy = strategy
        self.maxFallbacks = maxFallbacks
        self.firstTokenTimeout = firstTokenTimeout
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
    }
}

extension RoutingConfig {
    static let keys = ["strategy", "max_fallbacks", "first_token_timeout", "idle_timeout", "request_timeout"]

    /// Reads the section over `defaults`: keys absent from the file keep their default.
    init(from node: ConfigNode, defaults: RoutingConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["strategy"] { strategy = try value.choice(RoutingStrategy.self) }
        if let value = map["max_fallbacks"] { maxFallbacks = try value.int(in: Self.maxFallbacksRange) }
        if let value = map["first_token_timeout"] { firstTokenTimeout = try value.duration(in: Self.timeoutRange) }
        if let value = map["idle_timeout"] { idleTimeout = try value.duration(in: Self.timeoutRange) }
        if let value = map["request_timeout"] { requestTimeout = try value.duration(in: Self.timeoutRange) }
    }
}
