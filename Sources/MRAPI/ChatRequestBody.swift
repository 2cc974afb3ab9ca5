import MRConfig
import MRHTTPServer
import MRProviders
import MRRouting
import MRWeb

/// The chat body of `/api/chat`, `/api/chat/stream/multi` and OpenAI's `/v1/chat/completions`, decoded
/// leniently (unknown fields are ignored, as OpenAI clients send many) and validated strictly.
struct ChatRequestBody: Decodable, Equatable {
    var model: String?
    var messages: [Message]?
    /// `/api/chat` only: one user turn.
    var message: String?
    var system: String?
    var temperature: Double?
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var route: RouteBody?
    var n: Int?

    struct Message: Decodable, Equatable {
        var role: String
        var content: Content?
    }

    /// A string, or OpenAI's list of content parts of which only `text` parts are supported.
    struct Content: Decodable, Equatable {
        var text: String
        var unsupportedPart: String?

        struct Part: Decodable {
            var type: String
            var text: String?
        }

        init(text: String, unsupportedPart: String?) {
            self.text = text
            self.unsupportedPart = unsupportedPart
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
                return
            }
            let parts = try container.decode([Part].self)
            text = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined()
            unsupportedPart = parts.first { $0.type != "text" }?.type
        }
    }

    struct StreamOptions: Decodable, Equatable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    struct RouteBody: Decodable, Equatable {
        var strategy: String?
        var capability: String?
        var fallbacks: Int?
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, message, system, temperature, stream, route, n
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case streamOptions = "stream_options"
    }

    /// Most messages one request may carry.
    static let maximumMessages = 10_000
    static let roles: Set<String> = ["system", "user", "assistant", "developer"]
    /// The longest model id, alias or `auto` a request may name.
    static let maximumModelBytes = 256
    static let maxTokensRange = 1...1_000_000

    /// Decodes and validates `bytes`; `allowMessage` accepts `message` as a single user turn.
    static func parse(_ bytes: [UInt8], allowMessage: Bool) throws -> ChatRequestBody {
        let body = try ChatBodyReader.read(bytes) ?? JSONCoding.decode(ChatRequestBody.self, from: bytes)
        try body.validate(allowMessage: allowMessage)
        return body
    }

    func validate(allowMessage: Bool) throws {
        guard let model, !model.isEmpty else {
            throw APIError.validation("missing field 'model' (a model id, alias or auto)")
        }
        guard model.utf8.count <= Self.maximumModelBytes else {
            throw APIError.validation("field 'model' is longer than \(Self.maximumModelBytes) bytes")
        }
        if let temperature, !(0...2).contains(temperature) {
            throw APIError.validation("field 'temperature' must be between 0 and 2")
        }
        if let tokens = maxTokens ?? maxCompletionTokens, !Self.maxTokensRange.contains(tokens) {
            throw APIError.validation(
                "field 'max_tokens' must be between \(Self.maxTokensRange.lowerBound) and \(Self.maxTokensRange.upperBound)"
            )
        }
        if let n, n != 1 { throw APIError.validation("field 'n' must be 1: one answer per request") }
        if message != nil && messages != nil {
            throw APIError.validation("send either 'message' or 'messages', not both")
        }
        if message != nil && !allowMessage {
            throw APIError.validation("field 'message' is not accepted here; send 'messages'")
        }
        let list = messages ?? []
        if messages != nil || !allowMessage {
            guard !list.isEmpty else { throw APIError.validation("field 'messages' must not be empty") }
        } else {
            guard let message, !message.isEmpty else {
                throw APIError.validation("missing field 'messages' (or 'message' for a single turn)")
            }
        }
        guard list.count <= Self.maximumMessages else {
            throw APIError.validation("field 'messages' has more than \(Self.maximumMessages) entries")
        }
        for (index, message) in list.enumerated() {
            guard Self.roles.contains(message.role) else {
                throw APIError.validation(
                    "messages[\(index)].role must be system, developer, user or assistant, got '\(message.role.prefix(32))'"
                )
            }
            if let part = message.content?.unsupportedPart {
                throw APIError.validation(
                    "messages[\(index)].content: only text parts are supported, got '\(part.prefix(32))'")
            }
        }
        guard list.contains(where: { $0.role == "user" || $0.role == "assistant" }) || message != nil else {
            throw APIError.validation("field 'messages' needs at least one user or assistant message")
        }
        _ = try routeOptions()
    }

    /// The `route` object, validated.
    func routeOptions() throws -> RouteOptions {
        guard let route else { return RouteOptions() }
        var options = RouteOptions()
        if let strategy = route.strategy {
            guard let value = RoutingStrategy(rawValue: strategy) else {
                throw APIError.validation(
                    "route.strategy must be one of \(RoutingStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.strategy = value
        }
        if let capability = route.capability {
            guard let value = Capability(rawValue: capability) else {
                throw APIError.validation(
                    "route.capability must be one of \(Capability.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.capability = value
        }
        if let fallbacks = route.fallbacks {
            guard RoutingConfig.maxFallbacksRange.contains(fallbacks) else {
                throw APIError.validation(
                    "route.fallbacks must be between 0 and \(RoutingConfig.maxFallbacksRange.upperBound)")
            }
            options.fallbacks = fallbacks
        }
        return options
    }

    /// The JSON schema of the bodies ``validate(allowMessage:)`` accepts, for the OpenAPI document. Unknown fields
    /// are allowed (and ignored); every field the decoder reads is declared with its type, even where it is
    /// ignored (`stream` outside `/v1`) or refused (`message` on `/v1`).
    static func schema(allowMessage: Bool) -> JSONValue {
        let textPart: JSONValue = [
            "type": "object", "required": ["type", "text"],
            "properties": ["type": ["const": "text"], "text": ["type": "string"]],
        ]
        let message: JSONValue = [
            "type": "object", "required": ["role"],
            "properties": [
                "role": ["enum": .array(roles.sorted().map(JSONValue.string))],
                "content": [
                    "anyOf": [["type": "string"], ["type": "array", "items": textPart]],
                    "description": "text, or OpenAI's content parts (text parts only)",
                ],
            ],
        ]
        let tokens = Route.Parameter.integer("max_tokens", "", in: maxTokensRange).schema
        var properties: [(String, JSONValue)] = [
            ("model", Route.Parameter.routedModelField),
            (
                "messages",
                [
                    // No maxItems: generators build arrays of that length to test the bound, 10,000 objects.
                    "type": "array", "minItems": 1, "items": message,
                    "contains": ["type": "object", "properties": ["role": ["enum": ["user", "assistant"]]]],
                    "description": .string(
                        "the conversation (at most \(maximumMessages) messages); at least one user or assistant turn"),
                ]
            ),
        ]
        properties.append(
            allowMessage
                ? ("message", ["type": "string", "minLength": 1, "description": "one user turn"])
                : ("message", ["not": [:], "description": "not accepted here: send messages"]))
        properties += [
            ("system", ["type": "string", "description": "a system prompt put before the messages"]),
            ("temperature", ["type": "number", "minimum": 0, "maximum": 2]),
            ("max_tokens", tokens), ("max_completion_tokens", tokens),
            ("n", ["const": 1, "description": "one answer per request"]),
        ]
        let streamNote: JSONValue = allowMessage ? "ignored: the route decides" : "answer as server-sent events"
        properties += [
            ("stream", ["type": "boolean", "description": streamNote]),
            ("stream_options", ["type": "object", "properties": ["include_usage": ["type": "boolean"]]]),
        ]
        properties.append(
            (
                "route",
                [
                    "type": "object", "description": "routing options for this request",
                    "properties": [
                        "strategy": Route.Parameter.strategy.schema, "capability": Route.Parameter.capability().schema,
                        "fallbacks": Route.Parameter.fallbacks.schema,
                    ],
                ]
            ))
        var schema: [(String, JSONValue)] = [
            ("type", "object"), ("required", allowMessage ? ["model"] : ["model", "messages"]),
            ("properties", .object(properties)),
        ]
        if allowMessage { schema.append(("oneOf", [["required": ["messages"]], ["required": ["message"]]])) }
        return .object(schema)
    }

    /// The request for the router (call after ``validate(allowMessage:)``).
    func routed(receivedAt: ContinuousClock.Instant, principal: Principal?) throws -> RoutedChatRequest {
        var chat = (messages ?? []).map { message in
            ChatMessage(
                role: message.role == "developer" ? "system" : message.role, content: message.content?.text ?? "")
        }
        if let message { chat.append(ChatMessage(role: "user", content: message)) }
        return RoutedChatRequest(
            model: model ?? "auto", messages: chat, system: system.flatMap { $0.isEmpty ? nil : $0 },
            temperature: temperature, maxTokens: maxTokens ?? maxCompletionTokens, route: try routeOptions(),
            receivedAt: receivedAt, usage: UsageContext(keyID: principal?.id))
    }
}

extension RoutingError: HTTPResponseError {
    /// `Retry-After` when every candidate was rate limited.
    public var headers: HTTPHeaders {
        guard let seconds = retryAfterSeconds else { return HTTPHeaders() }
        return ["Retry-After": String(seconds)]
    }
}
