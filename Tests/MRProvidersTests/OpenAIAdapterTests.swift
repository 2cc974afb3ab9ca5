import MRHTTPClient
import MRProviders
import MRTestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite struct OpenAIAdapterTests {
    static let key = "sk-test-0123456789abcdef"

    static func adapter(_ fake: FakeProvider, _ client: HTTPClient, key: String? = OpenAIAdapterTests.key)
        -> OpenAIAdapter
    {
        OpenAIAdapter(id: "fake", baseURL: fake.baseURL, apiKey: key, client: client)
    }

    @Test func streamedAnswer() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: ["Hi", " there"], finishReason: "length", promptTokens: 9)))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.error == nil)
            #expect(
                outcome.events == [
                    .token("Hi"), .token(" there"), .usage(Usage(promptTokens: 9, completionTokens: 2)),
                    .finish(reason: "length"),
                ])
            let request = try #require(fake.requests.first)
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("Authorization") == "Bearer \(Self.key)")
            #expect(request.header("Content-Type") == "application/json")
            let body = try JSONDecoder().decode(SentChat.self, from: Data(request.body))
            #expect(body.model == "meta/llama-3.1-8b-instruct")
            #expect(body.stream == true && body.stream_options?.include_usage == true)
            #expect(body.max_tokens == 16 && body.temperature == 0.2)
            #expect(body.messages.map(\.role) == ["system", "user"])
            #expect(body.messages.first?.content == "Be brief.")
        }
    }

    @Test func nonStreamedAnswer() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: ["Hello", " world"], promptTokens: 5, completionTokens: 7)))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest(stream: false))
            #expect(outcome.error == nil)
            #expect(
                outcome.events == [
                    .token("Hello world"), .usage(Usage(promptTokens: 5, completionTokens: 7)), .finish(reason: "stop"),
                ])
            let body = try JSONDecoder().decode(SentChat.self, from: Data(try #require(fake.requests.first).body))
            #expect(body.stream == false && body.stream_options == nil)
        }
    }

    /// CRLF or CR line ends, comments, multi-line `data:`, pieces of 1–7 bytes: the same answer comes out.
    @Test(arguments: FakeFraming.LineEnding.allCases)
    func hostileFraming(_ lineEnding: FakeFraming.LineEnding) async throws {
        try await withFake { fake, client in
            var framing = FakeFraming.hostile(seed: 42)
            framing.lineEnding = lineEnding
            let answer = FakeAnswer(tokens: ["Ünï", "cødé 🙂", " ok\n", "."], framing: framing)
            fake.script(.answer(answer))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.error == nil)
            #expect(outcome.tokens == answer.tokens)
            #expect(outcome.finish == "stop")
        }
    }

    @Test func byteByByteWrites() async throws {
        try await withFake { fake, client in
            let answer = FakeAnswer(
                tokens: ["a", "b"], framing: FakeFraming(writes: .bytewise, pause: .microseconds(200)))
            fake.script(.answer(answer))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.error == nil)
            #expect(outcome.text == "ab" && outcome.finish == "stop")
        }
    }

    /// A slow but steady answer (each event well within the idle limit) succeeds.
    @Test func slowDripWithinLimitsSucceeds() async throws {
        try await withFake { fake, client in
            fake.script(
                .answer(FakeAnswer(tokens: ["1", "2", "3", "4"], framing: FakeFraming(pause: .milliseconds(60)))))
            let timeouts = ChatTimeouts(firstToken: .seconds(30), idle: .seconds(20), total: .seconds(60))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest(timeouts: timeouts))
            #expect(outcome.error == nil)
            #expect(outcome.text == "1234")
        }
    }

    /// Without `[DONE]`, a stream whose finish reason arrived is complete.
    @Test func finishReasonWithoutDoneCountsAsComplete() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: ["x"], sendDone: false)))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.error == nil && outcome.finish == "stop" && outcome.text == "x")
        }
    }

    /// An empty answer whose body ends without `[DONE]`: the body ends before any event, and the finish
    /// reason decides that it is complete (the first-event read's end-of-body path).
    @Test func emptyAnswerWithoutDoneCountsAsComplete() async throws {
        try await withFake { fake, client in
            fake.script(.answer(FakeAnswer(tokens: [], sendDone: false)))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.error == nil && outcome.finish == "stop" && outcome.text == "")
        }
    }

    @Test func noKeyMeansNoAuthorizationHeader() async throws {
        try await withFake { fake, client in
            _ = await runChat(Self.adapter(fake, client, key: nil), chatRequest())
            _ = await runChat(Self.adapter(fake, client, key: ""), chatRequest())
            #expect(fake.requests.count == 2)
            #expect(fake.requests.allSatisfy { $0.header("Authorization") == nil })
        }
    }

    @Test func listModels() async throws {
        try await withFake { fake, client in
            let models = try await Self.adapter(fake, client).listModels()
            #expect(models.map(\.upstreamID) == FakeProvider.defaultModels.map(\.id))
            #expect(models.first?.ownedBy == "meta")
            #expect(models.first?.contextLength == 131_072)
            let request = try #require(fake.requests.first)
            #expect(request.method == "GET" && request.path == "/v1/models")
            #expect(request.header("Authorization") == "Bearer \(Self.key)")
        }
    }

    @Test func listModelsFailures() async throws {
        try await withFake { fake, client in
            let adapter = Self.adapter(fake, client)
            fake.script(.fail(status: 401, message: "bad key"), route: .models, times: 1)
            #expect(await failure { try await adapter.listModels() }?.kind == .authError)
            fake.script(.garbage, route: .models, times: 1)
            let garbage = await failure { try await adapter.listModels() }
            #expect(garbage?.kind == .error)
            #expect(garbage?.message.contains("502 Bad Gateway") == true)
        }
    }

    @Test func embeddingsInInputOrder() async throws {
        try await withFake { fake, client in
            let result = try await Self.adapter(fake, client).embed(
                EmbeddingRequest(model: "nvidia/nv-embedqa-e5-v5", input: ["a", "b", "c"]))
            // The fake lists the vectors in reverse; the first component encodes the index.
            #expect(result.vectors.map(\.first) == [0.5, 1.5, 2.5])
            #expect(result.usage == Usage(promptTokens: 9, completionTokens: 0))
            let request = try #require(fake.requests.first)
            #expect(request.path == "/v1/embeddings" && request.model == "nvidia/nv-embedqa-e5-v5")
        }
    }

    @Test func embeddingFailuresAreClassified() async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: 404, message: "no such model"), route: .embeddings)
            let error = await failure {
                try await Self.adapter(fake, client).embed(EmbeddingRequest(model: "gone", input: ["a"]))
            }
            #expect(error?.kind == .notFound && error?.httpStatus == 404)
            #expect(error?.message.contains("no such model") == true)
        }
    }

    /// Scripts apply per model: one model failing leaves the others answering.
    @Test func scriptsPerModel() async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: 500), model: "broken")
            let adapter = Self.adapter(fake, client)
            #expect(await runChat(adapter, chatRequest(model: "broken")).error?.kind == .error)
            #expect(await runChat(adapter, chatRequest(model: "fine")).error == nil)
        }
    }

    /// The fake counts concurrent requests (later issues assert worker bounds with it).
    @Test func fakeCountsConcurrency() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: nil))
            let adapter = Self.adapter(fake, client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = await runChat(adapter, chatRequest(stream: false)) }
                }
                #expect(await fake.waitUntil { $0.activeStalls == 4 })
                #expect(fake.inFlight == 4)
                fake.releaseStalls()
                try await group.waitForAll()
            }
            #expect(fake.maxInFlight == 4)
            #expect(await fake.waitUntil { $0.inFlight == 0 })
        }
    }
}

/// The request body as sent, for assertions.
struct SentChat: Decodable {
    var model: String
    var messages: [ChatMessage]
    var stream: Bool?
    var stream_options: StreamOptions?
    var max_tokens: Int?
    var temperature: Double?
    var system: String?
    struct StreamOptions: Decodable { var include_usage: Bool? }
}
