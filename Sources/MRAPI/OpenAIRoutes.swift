import MRHTTPServer
import MRProviders
import MRRouting
import MRWeb

/// OpenAI-compatible `POST /v1/chat/completions` (streamed and not) and `POST /v1/embeddings`, so OpenAI
/// SDKs and tools work unchanged against the router. Errors take OpenAI's shape with our `error_code` as
/// `code` (the router renders every `/v1` error that way), so SDKs raise the matching exception class.
enum OpenAIRoutes {
    static func make(_ context: APIContext) -> [Route] {
        @Sendable func service(_ request: RouteRequest) throws -> ChatService {
            try context.admitRouted(request)
        }
        return [
            Route(
                "POST", "/v1/chat/completions", summary: "OpenAI-compatible chat completions (stream and not)",
                access: .authenticated, tag: "openai",
                requestBody: "OpenAI chat completion request (model may be an alias or auto; optional route)",
                requestSchema: ChatRequestBody.schema(allowMessage: false),
                produces: ["application/json", "text/event-stream"],
                handler: .asyncOnLoop { request in
                    let chat = try service(request)
                    let body = try ChatRequestBody.parse(request.http.body, allowMessage: false)
                    let routed = try body.routed(receivedAt: request.http.receivedAt, principal: request.principal)
                    if body.stream == true {
                        return try await stream(chat, routed, includeUsage: body.streamOptions?.includeUsage ?? false)
                    }
                    let completion = try await chat.complete(routed)
                    var response = HTTPResponse.json(
                        bytes: OpenAIWire.completion(completion, id: OpenAIWire.completionID(), created: OpenAIWire.now)
                    )
                    for (name, value) in ChatWire.headers(completion.trace) { response.headers.set(name, value) }
                    return response
                }),
            Route(
                "POST", "/v1/embeddings", summary: "OpenAI-compatible embeddings", access: .authenticated,
                tag: "openai", requestBody: "OpenAI embeddings request: model, input, encoding_format",
                requestSchema: EmbeddingRequestBody.schema,
                handler: .asyncOnLoop { request in
                    let chat = try service(request)
                    let body = try EmbeddingRequestBody.parse(request.http.body)
                    let (result, trace) = try await chat.embed(
                        RoutedEmbeddingRequest(
                            model: body.model ?? "auto", input: body.input?.texts ?? [],
                            receivedAt: request.http.receivedAt,
                            usage: UsageContext(keyID: request.principal?.id)))
                    var response = HTTPResponse.json(
                        bytes: OpenAIWire.embeddings(
                            result, model: trace.model, base64: body.encodingFormat == "base64"))
                    for (name, value) in ChatWire.headers(trace) { response.headers.set(name, value) }
                    return response
                }),
        ]
    }

    /// Routes, waits for the first token, then streams OpenAI chunks ending in `[DONE]`.
    static func stream(_ chat: ChatService, _ routed: RoutedChatRequest, includeUsage: Bool) async throws
        -> HTTPResponse
    {
        let session = try await chat.stream(routed)
        let chunks = OpenAIChunks(
            id: OpenAIWire.completionID(), created: OpenAIWire.now, model: session.trace.model,
            includeUsage: includeUsage)
        return ServerSentEvents.response(headers: ChatWire.headers(session.trace)) { writer in
            try await ChatRelay.run(session, as: chunks, to: writer)
        }
    }
}
