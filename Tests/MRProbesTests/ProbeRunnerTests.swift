import MRCatalog
import MRHTTPClient
import MRProbes
import MRProviders
import MRTestSupport
import Testing

/// Every failure mode classified through the fake provider's real wire format.
@Suite struct ProbeRunnerTests {
    static let chatTarget = ProbeTarget(
        model: "meta/llama-3.1-8b-instruct", provider: "fake", upstreamID: "meta/llama-3.1-8b-instruct", kind: .chat)
    static let embeddingTarget = ProbeTarget(
        model: "nvidia/nv-embedqa-e5-v5", provider: "fake", upstreamID: "nvidia/nv-embedqa-e5-v5", kind: .embedding)

    func withRunner<T>(
        degradedAfter: Duration = .seconds(30), _ body: (FakeProvider, ProbeRunner) async throws -> T
    ) async throws -> T {
        let client = HTTPClient()
        defer { client.shutdown() }
        return try await FakeProvider.with { fake in
            let adapter = OpenAIAdapter(id: "fake", baseURL: fake.baseURL, apiKey: "k", client: client)
            return try await body(fake, ProbeRunner(adapters: ["fake": adapter], degradedAfter: degradedAfter))
        }
    }

    @Test func aHealthyChatProbeIsOkWithTTFTAndSendsOneToken() async throws {
        try await withRunner(degradedAfter: .seconds(30)) { fake, runner in
            let result = await runner.probe(Self.chatTarget, timeout: .seconds(30))
            #expect(result.status == .ok)
            #expect(result.latencyMs != nil && result.ttftMs != nil)
            #expect(result.ttftMs! <= result.latencyMs!)
            #expect(result.error == nil)
            let request = try #require(fake.requests.last)
            #expect(request.bodyText.contains("\"max_tokens\":1"))
            #expect(request.bodyText.contains("\"stream\":true"))
        }
    }

    @Test func slowerThanDegradedAfterIsDegraded() async throws {
        try await withRunner(degradedAfter: .milliseconds(1)) { fake, runner in
            fake.script(.answer(FakeAnswer(framing: FakeFraming(pause: .milliseconds(20)))))
            let result = await runner.probe(Self.chatTarget, timeout: .seconds(30))
            #expect(result.status == .degraded)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var behavior: FakeBehavior
        var status: DeploymentStatus
        var httpStatus: Int?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "500", behavior: .fail(status: 500), status: .error, httpStatus: 500),
        Case(name: "503", behavior: .fail(status: 503), status: .error, httpStatus: 503),
        Case(name: "429", behavior: .rateLimited(retryAfter: "7"), status: .rateLimited, httpStatus: 429),
        Case(name: "401", behavior: .fail(status: 401), status: .authError, httpStatus: 401),
        Case(name: "403", behavior: .fail(status: 403), status: .authError, httpStatus: 403),
        Case(name: "404", behavior: .fail(status: 404), status: .notFound, httpStatus: 404),
        Case(name: "cut before the finish", behavior: .cut(afterTokens: 1), status: .error, httpStatus: nil),
        Case(name: "cut before any token", behavior: .cut(afterTokens: 0), status: .error, httpStatus: nil),
        Case(name: "garbage", behavior: .garbage, status: .error, httpStatus: nil),
        Case(
            name: "in-stream error", behavior: .streamError(afterTokens: 0, type: "server_error", message: "boom"),
            status: .error, httpStatus: nil),
        Case(name: "stall before the head", behavior: .stall(afterTokens: nil), status: .timeout, httpStatus: nil),
        Case(name: "stall after a token", behavior: .stall(afterTokens: 1), status: .timeout, httpStatus: nil),
    ]

    @Test(arguments: cases)
    func failuresAreClassified(_ testCase: Case) async throws {
        try await withRunner { fake, runner in
            fake.script(testCase.behavior)
            // Only the stalls need a short limit; the rest get room on a loaded machine.
            let stalls = if case .stall = testCase.behavior { true } else { false }
            let result = await runner.probe(Self.chatTarget, timeout: stalls ? .milliseconds(600) : .seconds(20))
            fake.releaseStalls()
            #expect(result.status == testCase.status, "\(result)")
            if let httpStatus = testCase.httpStatus { #expect(result.httpStatus == httpStatus) }
            #expect(result.error?.isEmpty == false)
            #expect(result.error?.contains("k") != true || result.error?.contains("Bearer k") != true)
        }
    }

    @Test func embeddingProbe() async throws {
        try await withRunner { fake, runner in
            let ok = await runner.probe(Self.embeddingTarget, timeout: .seconds(30))
            #expect(ok.status == .ok && ok.ttftMs == nil && ok.latencyMs != nil)
            #expect(fake.requests.last?.path.hasSuffix("/embeddings") == true)
            fake.script(.fail(status: 404), route: .embeddings)
            let gone = await runner.probe(Self.embeddingTarget, timeout: .seconds(30))
            #expect(gone.status == .notFound)
        }
    }

    @Test func unknownProviderIsAnErrorNotACrash() async {
        let runner = ProbeRunner(adapters: [:], degradedAfter: .seconds(1))
        let result = await runner.probe(Self.chatTarget, timeout: .seconds(1))
        #expect(result.status == .error)
    }

    @Test func refusedConnectionIsAnError() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        // Nobody listens there (and no parallel test can take it over).
        let port = try ScriptedTCPServer.closedPort()
        let adapter = OpenAIAdapter(id: "fake", baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "k", client: client)
        let runner = ProbeRunner(adapters: ["fake": adapter], degradedAfter: .seconds(1))
        let result = await runner.probe(Self.chatTarget, timeout: .seconds(2))
        #expect(result.status == .error)
    }
}

/// The same classification through Anthropic's wire format.
@Suite struct AnthropicProbeTests {
    @Test func okAndFailures() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        try await FakeProvider.with { fake in
            let adapter = AnthropicAdapter(id: "anthropic", baseURL: fake.baseURL, apiKey: "k", client: client)
            let runner = ProbeRunner(adapters: ["anthropic": adapter], degradedAfter: .seconds(30))
            let target = ProbeTarget(
                model: "anthropic/claude-sonnet-4-5", provider: "anthropic", upstreamID: "claude-sonnet-4-5",
                kind: .chat)
            let ok = await runner.probe(target, timeout: .seconds(30))
            #expect(ok.status == .ok && ok.ttftMs != nil, "\(ok)")
            #expect(fake.requests.last?.route == .messages)
            fake.script(.fail(status: 401))
            #expect(await runner.probe(target, timeout: .seconds(30)).status == .authError)
            fake.script(.cut(afterTokens: 1))
            #expect(await runner.probe(target, timeout: .seconds(30)).status == .error)
            fake.script(.streamError(afterTokens: 0, type: "overloaded_error", message: "busy"))
            #expect(await runner.probe(target, timeout: .seconds(30)).status == .error)
        }
    }
}
