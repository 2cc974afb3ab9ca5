import MRCatalog
import MRProbes
import MRProviders
import MRRouting
import MRTestSupport
import Testing

/// The upstream fault matrix through real HTTP: each fault streamed and not, with and without a deployment
/// to fall back to. The primary is always tried first (`cost` strategy, equal prices, provider order).
@Suite struct ChatServiceFaultTests {
    /// Faults that happen before the first token: a fallback hides them; without one they are the error.
    static let beforeFirstToken: [(String, FakeBehavior, RoutingError.Kind)] = [
        ("500", .fail(status: 500), .upstreamError),
        ("401", .fail(status: 401), .upstreamError),
        ("404", .fail(status: 404), .upstreamError),
        ("garbage", .garbage, .upstreamError),
        ("stall before the head", .stall(afterTokens: nil), .upstreamTimeout),
        ("stall after the head", .stall(afterTokens: 0), .upstreamTimeout),
        ("cut before any token", .cut(afterTokens: 0), .upstreamError),
    ]

    /// Only a stall needs a short first-token limit; every other case gets room on a loaded machine.
    static func firstTokenLimit(_ behavior: FakeBehavior) -> Duration {
        if case .stall = behavior { .seconds(3) } else { .seconds(20) }
    }

    @Test(arguments: beforeFirstToken.indices, [true, false])
    func aFaultBeforeTheFirstTokenFallsBack(_ index: Int, streamed: Bool) async throws {
        let (name, behavior, _) = Self.beforeFirstToken[index]
        try await ServiceHarness.with(firstToken: Self.firstTokenLimit(behavior)) { harness in
            harness.primary.script(behavior)
            let text: String
            if streamed {
                let session = try await harness.service.stream(harness.request())
                #expect(session.trace.provider == "backup", "\(name)")
                #expect(session.trace.attempts == 2)
                let drained = await drain(session)
                #expect(drained.error == nil)
                #expect(drained.finish == "stop")
                text = drained.text
            } else {
                let completion = try await harness.service.complete(harness.request())
                #expect(completion.trace.provider == "backup", "\(name)")
                #expect(completion.trace.fallbacks == 1)
                #expect(completion.usage?.completionTokens == 4)
                text = completion.text
            }
            #expect(text == "Hello, world!")
            // The first thing ever learnt about a deployment decides its state at once.
            #expect(harness.state("primary") == .down, "\(name)")
            #expect(harness.state("backup") == .up)
            let reports = harness.reports
            #expect(reports.map(\.outcome).last == "ok")
            #expect(reports.first?.outcome != "ok")
            #expect(reports.last?.isFallback == true)
        }
    }

    @Test(arguments: beforeFirstToken.indices, [true, false])
    func withoutAnAlternativeTheFaultIsTheAnswer(_ index: Int, streamed: Bool) async throws {
        let (name, behavior, kind) = Self.beforeFirstToken[index]
        try await ServiceHarness.with(providers: 1, firstToken: Self.firstTokenLimit(behavior)) { harness in
            harness.primary.script(behavior)
            let error = await routingFailure {
                if streamed {
                    _ = try await harness.service.stream(harness.request())
                } else {
                    _ = try await harness.service.complete(harness.request())
                }
            }
            #expect(error?.kind == kind, "\(name)")
            #expect(error?.attempts == 1)
            // An upstream 401/404 is our configuration's problem, never the client's: a 502, not a 401.
            #expect(error?.status == (kind == .upstreamTimeout ? 504 : 502))
            #expect(error?.detail.contains("primary") == true)
        }
    }

    @Test func aRateLimitPausesTheDeploymentAndFallsBack() async throws {
        try await ServiceHarness.with { harness in
            harness.primary.script(.rateLimited(retryAfter: "120"))
            let first = try await harness.service.complete(harness.request())
            #expect(first.trace.provider == "backup")
            // Paused now: the next request does not even call the primary.
            let second = try await harness.service.complete(harness.request())
            #expect(second.trace.provider == "backup")
            #expect(second.trace.attempts == 1)
            #expect(harness.chatCalls(0) == 1)
            #expect(harness.state("primary") == .unknown)  // a 429 says nothing about health
            let pause = try #require(harness.limiters["primary"]?.remainingPause(deployment: ServiceHarness.model))
            #expect(pause > .seconds(100))
        }
    }

    @Test func whenEveryCandidateIsLimitedTheClientGetsRetryAfter() async throws {
        try await ServiceHarness.with { harness in
            harness.primary.script(.rateLimited(retryAfter: "30"))
            harness.backup.script(.rateLimited(retryAfter: "7"))
            let error = await routingFailure { try await harness.service.complete(harness.request()) }
            #expect(error?.kind == .rateLimited)
            #expect(error?.retryAfterSeconds == 7)
            // Both are paused now: the planner answers at once, without calling anyone.
            let again = await routingFailure { try await harness.service.stream(harness.request()) }
            #expect(again?.kind == .rateLimited)
            #expect((again?.retryAfterSeconds ?? 0) <= 7)
            #expect(harness.chatCalls(0) + harness.chatCalls(1) == 2)
        }
    }

    @Test func aCutStreamEndsInAnErrorNeverAFakeFinish() async throws {
        try await ServiceHarness.with { harness in
            harness.primary.script(.cut(afterTokens: 2))
            let session = try await harness.service.stream(harness.request())
            #expect(session.trace.provider == "primary")
            let drained = await drain(session)
            #expect(drained.text == "Hello,")
            #expect(drained.finish == nil)
            #expect(drained.error?.kind == .upstreamError)
            #expect(drained.error?.detail.contains("cut") == true)
            #expect(harness.reports.last?.midStream == true)
            #expect(
                harness.health.snapshot(DeploymentID(model: ServiceHarness.model, provider: "primary"))?.lastError
                    != nil)
        }
    }

    @Test func aStreamThatStallsMidAnswerTimesOutWithAnError() async throws {
        try await ServiceHarness.with(idle: .seconds(3)) { harness in
            harness.primary.script(.stall(afterTokens: 1))
            let session = try await harness.service.stream(harness.request())
            let drained = await drain(session)
            #expect(drained.text == "Hello")
            #expect(drained.error?.kind == .upstreamTimeout)
            #expect(drained.error?.detail.contains("idle timeout") == true)
        }
    }

    @Test(arguments: [
        FakeBehavior.cut(afterTokens: 2), .stall(afterTokens: 2),
        .streamError(afterTokens: 2, type: "server_error", message: "boom"),
    ])
    func aNonStreamedAnswerThatBreaksMidwayStillFallsBack(_ behavior: FakeBehavior) async throws {
        try await ServiceHarness.with(idle: .seconds(3)) { harness in
            harness.primary.script(behavior)
            let completion = try await harness.service.complete(harness.request())
            #expect(completion.text == "Hello, world!")
            #expect(completion.trace.provider == "backup")
            #expect(harness.reports.first?.midStream == true)
        }
    }

    @Test func anInStreamErrorAfterTokensIsAnErrorEvent() async throws {
        try await ServiceHarness.with(providers: 1) { harness in
            harness.primary.script(.streamError(afterTokens: 1, type: "server_error", message: "model overloaded"))
            let drained = await drain(try await harness.service.stream(harness.request()))
            #expect(drained.text == "Hello")
            #expect(drained.error?.kind == .upstreamError)
            #expect(drained.error?.detail.contains("model overloaded") == true)
        }
    }

    @Test(arguments: [true, false])
    func aSlowButSteadyAnswerIsNotAFault(_ streamed: Bool) async throws {
        try await ServiceHarness.with(providers: 1, firstToken: .seconds(30), idle: .seconds(10)) { harness in
            let drip = FakeFraming(writes: .bytewise, pause: .milliseconds(2))
            harness.primary.script(.answer(FakeAnswer(tokens: ["slow", " but", " sure"], framing: drip)))
            if streamed {
                let drained = await drain(try await harness.service.stream(harness.request()))
                #expect(drained.text == "slow but sure")
                #expect(drained.error == nil)
            } else {
                #expect(try await harness.service.complete(harness.request()).text == "slow but sure")
            }
            #expect(harness.reports.map(\.outcome) == ["ok"])
        }
    }
}
