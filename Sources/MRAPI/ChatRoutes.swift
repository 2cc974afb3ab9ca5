import MRCommon
import MRConfig
import MRHTTPServer
import MRProviders
import MRRouting
import MRWeb

/// `/api/chat`, `/api/chat/stream` and `/api/chat/stream/multi`: chat through the router, JSON in and out or
/// as server-sent events (`token`… then one `done` or `error`).
///
/// Handlers run deferred on the server's event loop, the HTTP client's thread (`.asyncOnLoop`): routing, the
/// upstream call and the answer happen without a thread hand-off, and the answer streams with back-pressure. A failure before the first token is an HTTP
/// error with the SPEC's body (and `Retry-After` when rate limited); after it, an `error` event.
enum ChatRoutes {
    static func make(_ context: APIContext) -> [Route] {
        @Sendable func service(_ request: RouteRequest) throws -> ChatService {
            try context.admitRouted(request)
        }
        return [
            Route(
                "POST", "/api/chat", summary: "Chat through the router, JSON in and out", access: .authenticated,
                tag: "chat",
                requestBody: "ChatRequest: model, messages or message, system, temperature, max_tokens, route",
                requestSchema: ChatRequestBody.schema(allowMessage: true),
                handler: .asyncOnLoop { request in
                    let chat = try service(request)
                    let body = try ChatRequestBody.parse(request.http.body, allowMessage: true)
                    let routed = try body.routed(receivedAt: request.http.receivedAt, principal: request.principal)
                    let completion = try await chat.complete(routed)
                    var response = HTTPResponse.json(bytes: ChatWire.completion(completion))
                    for (name, value) in ChatWire.headers(completion.trace) { response.headers.set(name, value) }
                    return response
                }),
            Route(
                "GET", "/api/chat/stream", summary: "Single-turn streaming chat (SSE)", access: .authenticated,
                tag: "chat",
                parameters: [
                    .routedModel,
                    // The whole request head must fit libmicrohttpd's 8 KiB connection pool (HTTPServer), so a
                    // query carries short texts; libmicrohttpd itself answers a longer one with its own 414. The
                    // lengths count characters: 300 + 100 of them, 4 UTF-8 bytes each, URL-encoded (×3), plus a
                    // 256-character model id stay under the limit.
                    .init(
                        "message", required: true,
                        "user text; the URL-encoded request head must stay under ~7.5 KB (longer: POST /api/chat/stream/multi)",
                        maxLength: 300),
                    .init("system", "system prompt (counts toward the same ~7.5 KB)", maxLength: 100),
                    .init("temperature", type: "number", "0 to 2", range: 0...2),
                    .integer("max_tokens", "output limit", in: ChatRequestBody.maxTokensRange),
                    .strategy, .capability("the capability every candidate needs (default chat)"), .fallbacks,
                ], produces: ["text/event-stream"],
                handler: .asyncOnLoop { request in
                    let chat = try service(request)
                    let routed = try queryRequest(request)
                    return try await stream(chat, routed)
                }),
            Route(
                "POST", "/api/chat/stream/multi", summary: "Multi-turn streaming chat (SSE)", access: .authenticated,
                tag: "chat", requestBody: "ChatRequest with messages",
                requestSchema: ChatRequestBody.schema(allowMessage: true), produces: ["text/event-stream"],
                handler: .asyncOnLoop { request in
                    let chat = try service(request)
                    let body = try ChatRequestBody.parse(request.http.body, allowMessage: true)
                    return try await stream(
                        chat, try body.routed(receivedAt: request.http.receivedAt, principal: request.principal))
                }),
        ]
    }

    /// The single turn of `GET /api/chat/stream`, from its query.
    static func queryRequest(_ request: RouteRequest) throws -> RoutedChatRequest {
        let query = request.query
        let model = try query.requiredString("model", maxLength: ChatRequestBody.maximumModelBytes)
        let message = try query.requiredString("message", maxLength: 1 << 20)
        let body = ChatRequestBody(
            model: model, messages: nil, message: message, system: try query.string("system", maxLength: 1 << 20),
            temperature: try query.double("temperature", in: 0...2),
            maxTokens: try query.int("max_tokens", in: ChatRequestBody.maxTokensRange),
            route: ChatRequestBody.RouteBody(
                strategy: try query.oneOf("strategy", RoutingStrategy.allCases.map(\.rawValue)),
                capability: try query.oneOf("capability", Capability.allCases.map(\.rawValue)),
                fallbacks: try query.int("fallbacks", in: RoutingConfig.maxFallbacksRange)))
        try body.validate(allowMessage: true)
        return try body.routed(receivedAt: request.http.receivedAt, principal: request.principal)
    }

    /// Routes, waits for the first token, then answers with the event stream.
    static func stream(_ chat: ChatService, _ routed: RoutedChatRequest) async throws -> HTTPResponse {
        let session = try await chat.stream(routed)
        let format = SPECChatEvents(receivedAt: routed.receivedAt)
        return ServerSentEvents.response(headers: ChatWire.headers(session.trace)) { writer in
            try await ChatRelay.run(session, as: format, to: writer)
        }
    }
}
