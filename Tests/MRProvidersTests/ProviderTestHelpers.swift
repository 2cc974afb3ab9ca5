import MRHTTPClient
import MRProviders
import MRTestSupport
import Testing

/// What a chat stream produced: its events in order, and the error that ended it, if any.
struct ChatOutcome {
    var events: [ChatEvent] = []
    var error: ProviderError?

    var text: String {
        events.map { if case .token(let text) = $0 { text } else { "" } }.joined()
    }
    var tokens: [String] { events.compactMap { if case .token(let text) = $0 { text } else { nil } } }
    var usage: Usage? { events.lazy.compactMap { if case .usage(let usage) = $0 { usage } else { nil } }.last }
    var finish: String? { events.lazy.compactMap { if case .finish(let reason) = $0 { reason } else { nil } }.last }
}

/// Starts a chat and reads its stream to the end; an error from `chat` itself is returned the same way.
func runChat(_ adapter: some ProviderAdapter, _ request: ChatRequest) async -> ChatOutcome {
    var outcome = ChatOutcome()
    do {
        let stream = try await adapter.chat(request)
        for try await event in stream { outcome.events.append(event) }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// The error of a call that must fail.
func failure<T>(_ body: () async throws -> T) async -> ProviderError? {
    do {
        _ = try await body()
        return nil
    } catch let error as ProviderError {
        return error
    } catch {
        Issue.record("not a ProviderError: \(error)")
        return nil
    }
}

/// A fake provider and an HTTP client for one test, both shut down afterwards.
func withFake<T>(
    _ body: (FakeProvider, HTTPClient) async throws -> T
) async throws -> T {
    let client = HTTPClient()
    defer { client.shutdown() }
    return try await FakeProvider.with { fake in try await body(fake, client) }
}

func chatRequest(
    model: String = "meta/llama-3.1-8b-instruct", stream: Bool = true, timeouts: ChatTimeouts = ChatTimeouts()
) -> ChatRequest {
    ChatRequest(
        model: model, messages: [ChatMessage(role: "user", content: "Hello!")], system: "Be brief.",
        temperature: 0.2, maxTokens: 16, stream: stream, timeouts: timeouts)
}

/// Short limits for failure tests: stalls are detected within a fraction of a second.
let shortTimeouts = ChatTimeouts(
    connect: .seconds(2), firstToken: .milliseconds(400), idle: .milliseconds(400), total: .seconds(20))
