#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Anthropic's streamed message: `message_start` (input tokens), `content_block_delta` with `text_delta`s,
/// `message_delta` (stop reason, cumulative output tokens), `message_stop`; `ping`s and unknown events are
/// ignored and an `error` event fails the stream.
///
/// Usage and the finish are emitted together at `message_stop` (`.usage` then `.finish`). A body that ends after
/// a `message_delta` with a stop reason still counts as complete; one that ends earlier was cut.
struct AnthropicStreamDecoder: ChatEventDecoder {
    let endpoint: ProviderEndpoint
    /// One decoder for the whole stream.
    private let json = JSONDecoder()
    private(set) var isComplete = false
    private var stopReason: String?
    private var inputTokens: Int?
    private var outputTokens: Int?

    init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
    }

    mutating func decode(_ event: SSEEvent, emit: (ChatEvent) -> Void) throws(ProviderError) {
        let decoded: AnthropicWire.StreamEvent
        do {
            decoded = try json.decode(AnthropicWire.StreamEvent.self, from: Data(event.data))
        } catch {
            throw endpoint.invalidBody("unparseable stream event", event.data)
        }
        switch decoded.type {
        case "message_start":
            if let usage = decoded.message?.usage {
                inputTokens = usage.inputTokens ?? inputTokens
                outputTokens = usage.outputTokens ?? outputTokens
            }
        case "content_block_delta":
            if decoded.delta?.type == "text_delta", let text = decoded.delta?.text, !text.isEmpty {
                emit(.token(text))
            }
        case "message_delta":
            if let reason = decoded.delta?.stopReason { stopReason = reason }
            if let usage = decoded.usage {
                inputTokens = usage.inputTokens ?? inputTokens
                outputTokens = usage.outputTokens ?? outputTokens
            }
        case "message_stop":
            complete(emit)
        case "error":
            throw Self.failure(decoded.error, httpStatus: nil, endpoint: endpoint)
        default:
            break  // ping, content_block_start/stop, and event types added later
        }
    }

    mutating func endOfBody(emit: (ChatEvent) -> Void) -> Bool {
        guard stopReason != nil else { return false }
        complete(emit)
        return true
    }

    private mutating func complete(_ emit: (ChatEvent) -> Void) {
        guard !isComplete else { return }
        isComplete = true
        if inputTokens != nil || outputTokens != nil {
            emit(.usage(Usage(promptTokens: inputTokens ?? 0, completionTokens: outputTokens ?? 0)))
        }
        emit(.finish(reason: stopReason ?? "end_turn"))
    }

    /// The events of a non-streamed message body.
    func events(ofWholeAnswer body: [UInt8]) throws(ProviderError) -> [ChatEvent] {
        guard let message = try? JSONDecoder().decode(AnthropicWire.Message.self, from: Data(body)),
            let content = message.content
        else {
            throw endpoint.invalidBody("not an Anthropic message", body)
        }
        var events: [ChatEvent] = []
        let text = content.filter { $0.type == nil || $0.type == "text" }.compactMap(\.text).joined()
        if !text.isEmpty { events.append(.token(text)) }
        if let usage = message.usage {
            events.append(
                .usage(Usage(promptTokens: usage.inputTokens ?? 0, completionTokens: usage.outputTokens ?? 0)))
        }
        events.append(.finish(reason: message.stopReason ?? "end_turn"))
        return events
    }

    /// An Anthropic error object (`{"type": "overloaded_error", "message": …}`) classified: `rate_limit_error`
    /// is a rate limit, `authentication_error`/`permission_error` an auth failure, `not_found_error` not found,
    /// anything else (`overloaded_error`, `api_error`, …) an error.
    static func failure(_ error: UpstreamError?, httpStatus: Int?, endpoint: ProviderEndpoint) -> ProviderError {
        let type = error?.type ?? "unknown_error"
        let message = "upstream \(type) in the stream: \(ProviderEndpoint.truncate(error?.message ?? "no message"))"
        switch type {
        case "rate_limit_error": return endpoint.failure(.rateLimited, message, httpStatus: httpStatus)
        case "authentication_error", "permission_error":
            return endpoint.failure(.authError, message, httpStatus: httpStatus)
        case "not_found_error": return endpoint.failure(.notFound, message, httpStatus: httpStatus)
        default: return endpoint.failure(.error, message, httpStatus: httpStatus)
        }
    }
}
