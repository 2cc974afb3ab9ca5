import MRWeb

/// The two wire formats the fake speaks, rendered exactly as the vendors send them.
enum FakeWire: Sendable {
    case openai
    case anthropic

    static let created = 1_700_000_000

    // MARK: Errors

    /// OpenAI: `{"error": {"message", "type", "code"}}`; Anthropic: `{"type": "error", "error": {"type", "message"}}`.
    func errorBody(status: Int, message: String, type: String? = nil) -> [UInt8] {
        let type = type ?? errorType(status)
        switch self {
        case .openai:
            let code: JSONValue = status == 404 ? "model_not_found" : status == 401 ? "invalid_api_key" : .null
            return JSONValue.object([
                ("error", .object([("message", .string(message)), ("type", .string(type)), ("code", code)]))
            ]).encoded()
        case .anthropic:
            return JSONValue.object([
                ("type", "error"), ("error", .object([("type", .string(type)), ("message", .string(message))])),
            ]).encoded()
        }
    }

    private func errorType(_ status: Int) -> String {
        switch (self, status) {
        case (.openai, 401): "invalid_request_error"
        case (.openai, 429): "rate_limit_exceeded"
        case (.openai, 500...): "server_error"
        case (.openai, _): "invalid_request_error"
        case (.anthropic, 401): "authentication_error"
        case (.anthropic, 403): "permission_error"
        case (.anthropic, 404): "not_found_error"
        case (.anthropic, 429): "rate_limit_error"
        case (.anthropic, 529): "overloaded_error"
        case (.anthropic, 500...): "api_error"
        case (.anthropic, _): "invalid_request_error"
        }
    }

    // MARK: Non-streamed answers

    func completion(model: String, answer: FakeAnswer) -> JSONValue {
        let completionTokens = answer.completionTokens ?? answer.tokens.count
        switch self {
        case .openai:
            return .object([
                ("id", "chatcmpl-fake"), ("object", "chat.completion"), ("created", .int(Self.created)),
                ("model", .string(model)),
                (
                    "choices",
                    [
                        .object([
                            ("index", 0),
                            ("message", .object([("role", "assistant"), ("content", .string(answer.text))])),
                            ("finish_reason", .string(answer.finishReason ?? "stop")),
                        ])
                    ]
                ),
                (
                    "usage",
                    .object([
                        ("prompt_tokens", .int(answer.promptTokens)), ("completion_tokens", .int(completionTokens)),
                        ("total_tokens", .int(answer.promptTokens + completionTokens)),
                    ])
                ),
            ])
        case .anthropic:
            return .object([
                ("id", "msg_fake"), ("type", "message"), ("role", "assistant"), ("model", .string(model)),
                ("content", [.object([("type", "text"), ("text", .string(answer.text))])]),
                ("stop_reason", .string(answer.finishReason ?? "end_turn")), ("stop_sequence", .null),
                (
                    "usage",
                    .object([("input_tokens", .int(answer.promptTokens)), ("output_tokens", .int(completionTokens))])
                ),
            ])
        }
    }

    // MARK: Streamed answers

    /// One streamed event: its SSE `event:` name (Anthropic) and JSON data.
    struct StreamEvent: Sendable {
        var name: String?
        var data: JSONValue
        /// Raw data instead of JSON (`[DONE]`, garbage).
        var raw: String?
    }

    /// The events before the first token (and the tokens themselves for `tokens`).
    func openingEvents(model: String, answer: FakeAnswer, tokens: Int, includeUsage: Bool) -> [StreamEvent] {
        switch self {
        case .openai:
            var events = [
                openAIChunk(model: model, delta: [("role", "assistant"), ("content", "")], includeUsage: includeUsage)
            ]
            for token in answer.tokens.prefix(tokens) {
                events.append(
                    openAIChunk(model: model, delta: [("content", .string(token))], includeUsage: includeUsage))
            }
            return events
        case .anthropic:
            var events = [
                StreamEvent(
                    name: "message_start",
                    data: .object([
                        ("type", "message_start"),
                        (
                            "message",
                            .object([
                                ("id", "msg_fake"), ("type", "message"), ("role", "assistant"), ("content", []),
                                ("model", .string(model)), ("stop_reason", .null), ("stop_sequence", .null),
                                (
                                    "usage",
                                    .object([("input_tokens", .int(answer.promptTokens)), ("output_tokens", 1)])
                                ),
                            ])
                        ),
                    ])),
                StreamEvent(
                    name: "content_block_start",
                    data: .object([
                        ("type", "content_block_start"), ("index", 0),
                        ("content_block", .object([("type", "text"), ("text", "")])),
                    ])),
                StreamEvent(name: "ping", data: .object([("type", "ping")])),
            ]
            for token in answer.tokens.prefix(tokens) {
                events.append(
                    StreamEvent(
                        name: "content_block_delta",
                        data: .object([
                            ("type", "content_block_delta"), ("index", 0),
                            ("delta", .object([("type", "text_delta"), ("text", .string(token))])),
                        ])))
            }
            return events
        }
    }

    /// The events after the last token: finish reason, usage, terminator.
    func closingEvents(model: String, answer: FakeAnswer, includeUsage: Bool) -> [StreamEvent] {
        let completionTokens = answer.completionTokens ?? answer.tokens.count
        switch self {
        case .openai:
            var events = [
                openAIChunk(
                    model: model, delta: [], finishReason: answer.finishReason ?? "stop", includeUsage: includeUsage)
            ]
            if includeUsage {
                events.append(
                    StreamEvent(
                        data: .object([
                            ("id", "chatcmpl-fake"), ("object", "chat.completion.chunk"),
                            ("created", .int(Self.created)),
                            ("model", .string(model)), ("choices", []),
                            (
                                "usage",
                                .object([
                                    ("prompt_tokens", .int(answer.promptTokens)),
                                    ("completion_tokens", .int(completionTokens)),
                                    ("total_tokens", .int(answer.promptTokens + completionTokens)),
                                ])
                            ),
                        ])))
            }
            if answer.sendDone { events.append(StreamEvent(data: .null, raw: "[DONE]")) }
            return events
        case .anthropic:
            return [
                StreamEvent(
                    name: "content_block_stop", data: .object([("type", "content_block_stop"), ("index", 0)])),
                StreamEvent(
                    name: "message_delta",
                    data: .object([
                        ("type", "message_delta"),
                        (
                            "delta",
                            .object([
                                ("stop_reason", .string(answer.finishReason ?? "end_turn")), ("stop_sequence", .null),
                            ])
                        ),
                        ("usage", .object([("output_tokens", .int(completionTokens))])),
                    ])),
                StreamEvent(name: "message_stop", data: .object([("type", "message_stop")])),
            ]
        }
    }

    /// An error reported inside a stream that already started.
    func streamErrorEvent(type: String, message: String) -> StreamEvent {
        switch self {
        case .openai:
            StreamEvent(
                data: .object([
                    ("error", .object([("message", .string(message)), ("type", .string(type)), ("code", .null)]))
                ]))
        case .anthropic:
            StreamEvent(
                name: "error",
                data: .object([
                    ("type", "error"), ("error", .object([("type", .string(type)), ("message", .string(message))])),
                ]))
        }
    }

    private func openAIChunk(
        model: String, delta: [(String, JSONValue)], finishReason: String? = nil, includeUsage: Bool
    ) -> StreamEvent {
        var fields: [(String, JSONValue)] = [
            ("id", "chatcmpl-fake"), ("object", "chat.completion.chunk"), ("created", .int(Self.created)),
            ("model", .string(model)),
            (
                "choices",
                [
                    .object([
                        ("index", 0), ("delta", .object(delta)),
                        ("finish_reason", finishReason.map { .string($0) } ?? .null),
                    ])
                ]
            ),
        ]
        if includeUsage { fields.append(("usage", .null)) }
        return StreamEvent(data: .object(fields))
    }
}
