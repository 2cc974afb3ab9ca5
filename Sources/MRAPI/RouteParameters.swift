import MRConfig
import MRRouting
import MRWeb

/// Parameters several routes share, declared once with the constraints their handlers enforce, so the OpenAPI
/// document says what a request may carry.
extension Route.Parameter {
    /// The largest integer JSON numbers carry exactly (2^53 − 1): the documented bound of ids and cursors.
    static let largestExactInteger: Double = 9_007_199_254_740_991

    /// What `Duration(parsing:)` reads: numbers with units (`250ms`, `1.5s`, `1h30m`), or a bare number of
    /// seconds, with spaces, tabs, CRs or LFs around.
    static let durationPattern =
        #"^[ \t\r\n]*((([0-9]+(\.[0-9]+)?|\.[0-9]+)(ms|s|m|h|d))+|[0-9]+(\.[0-9]+)?|\.[0-9]+)[ \t\r\n]*$"#

    /// An id made of visible ASCII (models, providers, publishers): the handlers' limits are in bytes.
    static let idPattern = "^[!-~]+$"

    static func capability(_ description: String = "chat, code, vision or embedding") -> Self {
        Self("capability", description, allowed: Capability.allCases.map(\.rawValue))
    }

    static let strategy = Self(
        "strategy", "cost, latency, capability or balanced (default: the configured one)",
        allowed: RoutingStrategy.allCases.map(\.rawValue))

    /// The model a routed request names (a model id, an alias or `auto`), as the chat stream's query parameter.
    static let routedModel = Self(
        "model", required: true, "model id, alias or auto", maxLength: ChatRequestBody.maximumModelBytes,
        pattern: idPattern)

    /// The same as a body field (chat, `/v1` chat, embeddings).
    static let routedModelField: JSONValue = [
        "type": "string", "minLength": 1, "maxLength": .int(ChatRequestBody.maximumModelBytes),
        "pattern": .string(idPattern), "description": "a model id, an alias, or auto", "examples": ["auto"],
    ]

    /// An integer parameter within `range`.
    static func integer(_ name: String, _ description: String, in range: ClosedRange<Int>) -> Self {
        Self(name, type: "integer", description, range: Double(range.lowerBound)...Double(range.upperBound))
    }

    /// An optional filter by id, at most `maxLength` bytes.
    static func idFilter(_ name: String, maxLength: Int, _ description: String) -> Self {
        Self(name, description, maxLength: maxLength, pattern: idPattern)
    }

    static let fallbacks = integer(
        "fallbacks", "0 to 10 (default: routing.max_fallbacks)", in: RoutingConfig.maxFallbacksRange)

    static let cursor = Self(
        "cursor", type: "integer", "from a previous page's `next`", range: 1...largestExactInteger)

    static func pageSize(_ range: ClosedRange<Int>, default value: Int) -> Self {
        integer("limit", "page size, \(range.lowerBound)-\(range.upperBound) (default \(value))", in: range)
    }

    static func duration(_ name: String, _ description: String) -> Self {
        Self(name, description, pattern: durationPattern)
    }
}
