import MRHTTPClient
import MRProviders
import MRTestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite struct AnthropicAdapterTests {
    static let key = "sk-ant-test-0123456789"

    static func adapter(_ fake: FakeProvider, _ client: HTTPClient, key: String? = AnthropicAdapterTests.key)
        -> AnthropicAdapter
    {
        AnthropicAdapter(id: "anthropic", baseURL: fake.baseURL, apiKey: key, client: client)
    }

    static func request(stream: Bool = true, maxTokens: Int? = nil, timeouts: ChatTimeouts = ChatTimeouts())
        -> ChatRequest
    {
        ChatRequest(
            model: "claude-sonnet-4-5",
            messages: [ChatMessage(role: "system", content: "Extra rule."), ChatMessage(role: "user", content: "Hi")],
            system: "Be brief.", temperature: 0.5, maxTokens: maxTokens, stream: stream, timeouts: timeouts)
    }

    @Test func streamedAnswer() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: ["Hel", "lo"], finishReason: "max_tokens", promptTokens: 21)))
            let outcome = await runChat(Self.adapter(fake, client), Self.request())
            #expect(outcome.error == nil)
            #expect(
                outcome.events == [
                    .token("Hel"), .token("lo"), .usage(Usage(promptTokens: 21, completionTokens: 2)),
                    .finish(reason: "max_tokens"),
                ])
            let request = try #require(fake.requests.first)
            #expect(request.path == "/v1/messages")
            #expect(request.header("x-api-key") == Self.key)
            #expect(request.header("anthropic-version") == "2023-06-01")
            #expect(request.header("Authorization") == nil)
            #expect(request.header("Content-Type") == "application/json")
            let body = try JSONDecoder().decode(SentChat.self, from: Data(request.body))
            #expect(body.system == "Be brief.\n\nExtra rule.")
            #expect(body.messages.map(\.role) == ["user"])
            #expect(body.max_tokens == 1024)  // required by the API: defaulted
            #expect(body.stream == true && body.temperature == 0.5)
        }
    }

    @Test func nonStreamedAnswer() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: ["One", " two"], promptTokens: 3, completionTokens: 4)))
            let outcome = await runChat(Self.adapter(fake, client), Self.request(stream: false, maxTokens: 50))
            #expect(outcome.error == nil)
            #expect(
                outcome.events == [
                    .token("One two"), .usage(Usage(promptTokens: 3, completionTokens: 4)), .finish(reason: "end_turn"),
                ])
            let body = try JSONDecoder().decode(SentChat.self, from: Data(try #require(fake.requests.first).body))
            #expect(body.max_tokens == 50 && body.stream == false)
        }
    }

    @Test(arguments: FakeFraming.LineEnding.allCases)
    func hostileFraming(_ lineEnding: FakeFraming.LineEnding) async throws {
        try await withFake { fake, client in
            var framing = FakeFraming.hostile(seed: 7)
            framing.lineEnding = lineEnding
            let answer = FakeAnswer(tokens: ["α", "β γ", "\n🙂"], framing: framing)
            fake.script(.answer(answer))
            let outcome = await runChat(Self.adapter(fake, client), Self.request())
            #expect(outcome.error == nil)
            #expect(outcome.tokens == answer.tokens && outcome.finish == "end_turn")
        }
    }

    @Test func listModelsFollowsPages() async throws {
        let models = (0..<5).map { FakeModel(id: "claude-\($0)", ownedBy: "anthropic", displayName: "Claude \($0)") }
        let client = HTTPClient()
        defer { client.shutdown() }
        try await FakeProvider.with(models: models) { fake in
            fake.setAnthropicPageSize(2)
            let listed = try await Self.adapter(fake, client).listModels()
            #expect(listed.map(\.upstreamID) == models.map(\.id))
            #expect(listed.first?.displayName == "Claude 0" && listed.first?.ownedBy == "anthropic")
            #expect(listed.first?.declaredCapabilities.contains(.chat) == true)
            let requests = fake.requests
            #expect(requests.count == 3)
            #expect(requests.allSatisfy { $0.header("x-api-key") == Self.key && $0.header("anthropic-version") != nil })
            #expect(requests.last?.query.first { $0.name == "after_id" }?.value == "claude-3")
        }
    }

    @Test func embeddingsAreUnsupported() async throws {
        try await withFake { fake, client in
            let error = await failure {
                try await Self.adapter(fake, client).embed(EmbeddingRequest(model: "claude", input: ["x"]))
            }
            #expect(error?.kind == .unsupported)
            #expect(fake.requests.isEmpty)
        }
    }

    @Test(arguments: [
        (529, ProviderError.Kind.error), (500, .error), (401, .authError), (403, .authError), (404, .notFound),
    ])
    func statusesAreClassified(status: Int, kind: ProviderError.Kind) async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: status, message: "anthropic says \(status)"))
            for stream in [true, false] {
                let error = try #require(await runChat(Self.adapter(fake, client), Self.request(stream: stream)).error)
                #expect(error.kind == kind && error.httpStatus == status)
                #expect(error.message.contains("anthropic says \(status)"))
            }
        }
    }

    @Test func rateLimitKeepsRetryAfter() async throws {
        try await withFake { fake, client in
            fake.script(.rateLimited(retryAfter: "3"))
            let error = try #require(await runChat(Self.adapter(fake, client), Self.request()).error)
            #expect(error.kind == .rateLimited && error.retryAfter == .seconds(3))
        }
    }

    @Test(arguments: [
        ("overloaded_error", ProviderError.Kind.error), ("rate_limit_error", .rateLimited), ("api_error", .error),
    ])
    func errorEventsInTheStream(type: String, kind: ProviderError.Kind) async throws {
        try await withFake { fake, client in
            fake.script(.streamError(afterTokens: 1, type: type, message: "Overloaded"))
            let outcome = await runChat(Self.adapter(fake, client), Self.request())
            #expect(outcome.tokens.count == 1 && outcome.finish == nil)
            #expect(outcome.error?.kind == kind)
            #expect(outcome.error?.message.contains(type) == true)
        }
    }

    @Test(arguments: [0, 2])
    func cutMidStreamIsAnError(afterTokens: Int) async throws {
        try await withFake { fake, client in
            fake.script(.cut(afterTokens: afterTokens))
            let outcome = await runChat(Self.adapter(fake, client), Self.request())
            #expect(outcome.tokens.count == afterTokens && outcome.finish == nil)
            #expect(outcome.error?.kind == .error)
        }
    }

    @Test func stallsAreTimeouts() async throws {
        try await withFake { fake, client in
            let adapter = Self.adapter(fake, client)
            fake.script(.stall(afterTokens: nil), times: 1)
            let beforeHead = try #require(await runChat(adapter, Self.request(timeouts: shortTimeouts)).error)
            #expect(beforeHead.kind == .timeout && beforeHead.message.hasPrefix("first token timeout"))
            fake.script(.stall(afterTokens: 1), times: 1)
            let timeouts = ChatTimeouts(firstToken: .seconds(10), idle: .seconds(6), total: .seconds(60))
            let midStream = await runChat(adapter, Self.request(timeouts: timeouts))
            #expect(midStream.tokens.count == 1)
            #expect(midStream.error?.kind == .timeout && midStream.error?.message.hasPrefix("idle timeout") == true)
        }
    }

    @Test(arguments: [true, false])
    func garbageIsAnError(stream: Bool) async throws {
        try await withFake { fake, client in
            fake.script(.garbage)
            let error = try #require(await runChat(Self.adapter(fake, client), Self.request(stream: stream)).error)
            #expect(error.kind == .error && error.message.hasPrefix("invalid response"))
        }
    }

    @Test func keyNeverInErrors() async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: 401, message: "invalid x-api-key \(Self.key)"))
            let error = try #require(await runChat(Self.adapter(fake, client), Self.request()).error)
            #expect(error.kind == .authError)
            #expect(!error.description.contains(Self.key))
        }
    }
}
