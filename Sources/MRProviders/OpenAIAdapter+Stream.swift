#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// OpenAI's streamed chat: `data: {chat.completion.chunk}` events, the finish reason in the last content chunk,
/// a usage-only chunk (`choices: []`) when `include_usage` was asked, then `data: [DONE]`.
///
/// Usage and the finish reason are held back and emitted at the end (`.usage` then `.finish`), so consumers see
/// one order whatever the vendor's. A body that ends after a finish reason but without `[DONE]` still counts as
/// complete; one that ends before any finish reason was cut.
struct OpenAIStreamDecoder: ChatEventDecoder {
    let endpoint: ProviderEndpoint
    /// One decoder for the whole stream (a decoder per event costs an allocation per token).
    private let json = JSONDecoder()
    private(set) var isComplete = false
    private var finishReason: String?
    private var usage: Usage?

    init(endpoint: ProviderEndpoint) {
        self.endpoint = endpoint
    }

    mutating func decode(_ event: SSEEvent, emit: (ChatEvent) -> Void) throws(ProviderError) {
        if event.dataEquals("[DONE]") {
            complete(emit)
            return
        }
        if let fast = OpenAIChunkScanner.scan(event.data) {
            if let usage = fast.usage { self.usage = usage }
            for text in fast.texts where !text.isEmpty { emit(.token(text)) }
            if let reason = fast.finishReason { finishReason = reason }
            return
        }
        let chunk = try parse(event.data, what: "unparseable stream chunk")
        if let error = chunk.error { throw Self.inStreamFailure(error, endpoint: endpoint) }
        if let usage = chunk.usage { self.usage = usage.usage }
        for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
            if let text = choice.delta?.content ?? choice.message?.content, !text.isEmpty { emit(.token(text)) }
            if let reason = choice.finishReason, !reason.isEmpty { finishReason = reason }
        }
    }

    mutating func endOfBody(emit: (ChatEvent) -> Void) -> Bool {
        guard finishReason != nil else { return false }
        complete(emit)
        return true
    }

    private mutating func complete(_ emit: (ChatEvent) -> Void) {
        guard !isComplete else { return }
        isComplete = true
        if let usage { emit(.usage(usage)) }
        emit(.finish(reason: finishReason ?? "stop"))
    }

    /// The events of a non-streamed `chat.completion` body.
    func events(ofWholeAnswer body: [UInt8]) throws(ProviderError) -> [ChatEvent] {
        let completion = try parse(body, what: "not an OpenAI chat completion")
        if let error = completion.error { throw Self.inStreamFailure(error, endpoint: endpoint) }
        guard let choice = completion.choices?.first(where: { ($0.index ?? 0) == 0 }) else {
            throw endpoint.invalidBody("a chat completion without choices", body)
        }
        var events: [ChatEvent] = []
        if let text = choice.message?.content, !text.isEmpty { events.append(.token(text)) }
        if let usage = completion.usage { events.append(.usage(usage.usage)) }
        events.append(.finish(reason: choice.finishReason ?? "stop"))
        return events
    }

    private func parse(_ bytes: [UInt8], what: String) throws(ProviderError) -> OpenAIWire.Completion {
        do {
            return try json.decode(OpenAIWire.Completion.self, from: Data(bytes))
        } catch {
            throw endpoint.invalidBody(what, bytes)
        }
    }

    /// An `{"error": …}` object where an answer was expected: a rate limit when it says so, else an error.
    static func inStreamFailure(_ error: UpstreamError, endpoint: ProviderEndpoint) -> ProviderError {
        let message = ProviderEndpoint.truncate(error.message ?? "unknown error")
        let label = [error.type, error.code].compactMap { $0 }.joined(separator: " ").lowercased()
        if label.contains("rate_limit") || label.contains("429") {
            return endpoint.failure(.rateLimited, "upstream rate limit in the stream: \(message)")
        }
        return endpoint.failure(.error, "upstream error in the stream: \(message)")
    }
}
