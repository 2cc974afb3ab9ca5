import MRHTTPClient
import MRProviders
import MRTestSupport
import Testing

/// Every failure mode of an OpenAI-compatible upstream, and how it is classified.
@Suite struct OpenAIAdapterFailureTests {
    static func adapter(_ fake: FakeProvider, _ client: HTTPClient) -> OpenAIAdapter {
        OpenAIAdapterTests.adapter(fake, client)
    }

    @Test(arguments: [
        (500, ProviderError.Kind.error), (502, .error), (503, .error), (401, .authError), (403, .authError),
        (404, .notFound), (400, .error),
    ])
    func statusesAreClassified(status: Int, kind: ProviderError.Kind) async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: status, message: "upstream says \(status)"))
            for stream in [true, false] {
                let error = try #require(await runChat(Self.adapter(fake, client), chatRequest(stream: stream)).error)
                #expect(error.kind == kind)
                #expect(error.httpStatus == status)
                #expect(error.message.contains("upstream says \(status)"))
            }
        }
    }

    @Test(arguments: [true, false])
    func rateLimitKeepsRetryAfterSeconds(stream: Bool) async throws {
        try await withFake { fake, client in
            fake.script(.rateLimited(retryAfter: "17"))
            let error = try #require(await runChat(Self.adapter(fake, client), chatRequest(stream: stream)).error)
            #expect(error.kind == .rateLimited && error.httpStatus == 429)
            #expect(error.retryAfter == .seconds(17))
            #expect(error.probeStatus == "rate_limited")
        }
    }

    @Test func rateLimitWithHTTPDate() async throws {
        try await withFake { fake, client in
            fake.script(.rateLimited(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"))
            let error = try #require(await runChat(Self.adapter(fake, client), chatRequest()).error)
            // A date in the past means "retry now".
            #expect(error.kind == .rateLimited && error.retryAfter == .zero)
        }
    }

    /// The key never appears in an error, even when upstream echoes it.
    @Test func keyIsRedactedFromErrors() async throws {
        try await withFake { fake, client in
            fake.script(.fail(status: 401, message: "Incorrect API key provided: \(OpenAIAdapterTests.key)."))
            let error = try #require(await runChat(Self.adapter(fake, client), chatRequest()).error)
            #expect(error.kind == .authError)
            #expect(
                !error.message.contains(OpenAIAdapterTests.key) && !error.description.contains(OpenAIAdapterTests.key))
            #expect(error.message.contains("[redacted]"))
        }
    }

    @Test func wrongKeyIsAnAuthError() async throws {
        try await withFake { fake, client in
            fake.requireKey("the-right-key")
            let error = try #require(await runChat(Self.adapter(fake, client), chatRequest()).error)
            #expect(error.kind == .authError && error.isPermanent)
        }
    }

    /// A stream that ends cleanly at the HTTP level but before its finish: an error, never a success.
    @Test(arguments: [0, 2])
    func cutMidStreamIsAnError(afterTokens: Int) async throws {
        try await withFake { fake, client in
            fake.script(.cut(afterTokens: afterTokens))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.tokens.count == afterTokens)
            #expect(outcome.finish == nil)
            #expect(outcome.error?.kind == .error)
            #expect(outcome.error?.message.contains("cut") == true)
        }
    }

    @Test func cutNonStreamedBodyIsAnError() async throws {
        try await withFake { fake, client in
            fake.script(.cut(afterTokens: 0))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest(stream: false))
            #expect(outcome.error?.kind == .error && outcome.events.isEmpty)
        }
    }

    @Test func stallBeforeHeadersIsAFirstTokenTimeout() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: nil))
            let started = ContinuousClock.now
            let error = try #require(
                await runChat(Self.adapter(fake, client), chatRequest(timeouts: shortTimeouts)).error)
            #expect(error.kind == .timeout)
            #expect(error.message.hasPrefix("first token timeout"))
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    /// Headers and a role chunk arrive, then nothing: the first-token limit fires even though bytes came.
    @Test func stallBeforeTheFirstTokenIsAFirstTokenTimeout() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: 0))
            let timeouts = ChatTimeouts(firstToken: .milliseconds(300), idle: .seconds(30), total: .seconds(30))
            let error = try #require(await runChat(Self.adapter(fake, client), chatRequest(timeouts: timeouts)).error)
            #expect(error.kind == .timeout)
            #expect(error.message.hasPrefix("first token timeout"))
        }
    }

    @Test func stallMidStreamIsAnIdleTimeout() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: 2))
            let timeouts = ChatTimeouts(firstToken: .seconds(10), idle: .seconds(6), total: .seconds(60))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest(timeouts: timeouts))
            #expect(outcome.tokens.count == 2, "\(outcome.error.map { "\($0)" } ?? "")")
            #expect(outcome.error?.kind == .timeout)
            #expect(outcome.error?.message.hasPrefix("idle timeout") == true)
        }
    }

    @Test func nonStreamedAnswerMustBeCompleteWithinTheFirstTokenLimit() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: 0))  // half a JSON body, then nothing
            let timeouts = ChatTimeouts(firstToken: .milliseconds(300), idle: .seconds(30), total: .seconds(30))
            let error = try #require(
                await runChat(Self.adapter(fake, client), chatRequest(stream: false, timeouts: timeouts)).error)
            #expect(error.kind == .timeout)
        }
    }

    @Test(arguments: [true, false])
    func garbageBodyIsAnError(stream: Bool) async throws {
        try await withFake { fake, client in
            fake.script(.garbage)
            let outcome = await runChat(Self.adapter(fake, client), chatRequest(stream: stream))
            #expect(outcome.error?.kind == .error)
            #expect(outcome.error?.message.hasPrefix("invalid response") == true)
        }
    }

    @Test func errorObjectInTheStreamFailsIt() async throws {
        try await withFake { fake, client in
            fake.script(.streamError(afterTokens: 1, type: "server_error", message: "model crashed"))
            let outcome = await runChat(Self.adapter(fake, client), chatRequest())
            #expect(outcome.tokens.count == 1)
            #expect(outcome.error?.kind == .error)
            #expect(outcome.error?.message.contains("model crashed") == true)
        }
    }

    @Test func refusedConnectionIsAnError() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let port = try ScriptedTCPServer.closedPort()
        let adapter = OpenAIAdapter(id: "x", baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "k", client: client)
        let error = try #require(await runChat(adapter, chatRequest()).error)
        #expect(error.kind == .error && error.httpStatus == nil)
        #expect(error.message.hasPrefix("connection failed"))
    }

    /// A TCP reset in the middle of a chunked SSE body.
    @Test func connectionResetMidStreamIsAnError() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            try connection.writeChunk(#"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n")
            try connection.pause(.milliseconds(50))
            connection.close(reset: true)
        }
        defer { server.stop() }
        let adapter = OpenAIAdapter(id: "x", baseURL: server.baseURL + "/v1", apiKey: "k", client: client)
        let outcome = await runChat(adapter, chatRequest())
        #expect(outcome.text == "hi")
        #expect(outcome.error?.kind == .error)
        #expect(outcome.finish == nil)
    }

    /// Cancelling the consumer aborts the upstream transfer (the server sees the connection close).
    @Test func cancellingTheConsumerAbortsTheTransfer() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            try connection.writeChunk(#"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n")
            connection.stall()
        }
        defer { server.stop() }
        let adapter = OpenAIAdapter(id: "x", baseURL: server.baseURL + "/v1", apiKey: "k", client: client)
        let firstToken = TestSignal()
        let consumer = Task {
            let stream = try await adapter.chat(chatRequest())
            for try await event in stream {
                if case .token = event { firstToken.fire() }
            }
        }
        #expect(await firstToken.wait())
        let cancelledAt = ContinuousClock.now
        consumer.cancel()
        _ = await consumer.result
        try await server.waitForPeerClose()
        #expect(ContinuousClock.now - cancelledAt < .seconds(5))
    }

    /// Cancelling while `chat` waits for the first token ends it at once with `.cancelled`.
    @Test func cancellingBeforeTheFirstToken() async throws {
        try await withFake { fake, client in
            fake.script(.stall(afterTokens: 0))
            let adapter = Self.adapter(fake, client)
            let task = Task { await failure { try await adapter.chat(chatRequest()) } }
            #expect(await fake.waitUntil { $0.activeStalls == 1 })
            task.cancel()
            let error = await task.value
            #expect(error?.kind == .cancelled)
        }
    }
}
