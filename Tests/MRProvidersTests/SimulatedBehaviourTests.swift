import MRConfig
import Testing

@testable import MRProviders

@Suite struct SimulatedBehaviourTests {
    func provider(
        _ profile: SimulatedProfile, model: String = "x/model", wall: SimulatedWallTime = SimulatedWallTime(),
        timeScale: Double = 0.001
    ) -> SimulatedProvider {
        SimulatedProvider(id: "sim", profiles: [model: profile], seed: 11, timeScale: timeScale, now: wall.closure)
    }

    // MARK: Availability

    @Test func alwaysDownAnswers503() async {
        let sim = provider(SimulatedProfile(availability: .alwaysDown))
        for _ in 0..<3 {
            let result = await simulatedChat(sim, simulatedRequest("x/model"))
            #expect(result.error?.kind == .error)
            #expect(result.error?.httpStatus == 503)
            #expect(result.tokens.isEmpty)
        }
    }

    @Test func alwaysDownCanFailWithAnotherKind() async {
        let sim = provider(SimulatedProfile(availability: .alwaysDown, downFailure: .authError))
        let result = await simulatedChat(sim, simulatedRequest("x/model"))
        #expect(result.error?.kind == .authError)
        #expect(result.error?.probeStatus == "auth_error")
        #expect(result.error?.httpStatus == 401)
    }

    @Test func flappingFollowsTheWallClock() async {
        let wall = SimulatedWallTime(.seconds(1_000 * 90))  // a cycle boundary: up from here
        let profile = SimulatedProfile(availability: .flapping(up: .seconds(60), down: .seconds(30)))
        let sim = provider(profile, wall: wall)
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).finish == "stop")
        wall.advance(by: .seconds(59))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).finish == "stop")
        wall.advance(by: .seconds(1))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error?.httpStatus == 503)
        wall.advance(by: .seconds(29))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error?.httpStatus == 503)
        wall.advance(by: .seconds(1))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).finish == "stop")
    }

    @Test func flappingPhaseIsPureAndShiftable() {
        let profile = SimulatedProfile(
            availability: .flapping(up: .seconds(10), down: .seconds(5), offset: .seconds(3)))
        // (t + 3) mod 15 < 10 is up.
        #expect(profile.isUp(at: .seconds(0)))
        #expect(profile.isUp(at: .seconds(6)))
        #expect(!profile.isUp(at: .seconds(7)))
        #expect(!profile.isUp(at: .seconds(11)))
        #expect(profile.isUp(at: .seconds(12)))
        #expect(!profile.isUp(at: .seconds(-4)))
        #expect(SimulatedProfile().isUp(at: .seconds(5)))
        #expect(!SimulatedProfile(availability: .alwaysDown).isUp(at: .seconds(5)))
    }

    // MARK: Rate limiting

    @Test func rpmAnswers429WithRetryAfterUntilTheWindowMoves() async {
        let wall = SimulatedWallTime(.seconds(1_700_000_000))
        let sim = provider(SimulatedProfile(rpm: 2), wall: wall)
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error == nil)
        wall.advance(by: .seconds(10))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error == nil)
        let limited = await simulatedChat(sim, simulatedRequest("x/model"))
        #expect(limited.error?.kind == .rateLimited)
        #expect(limited.error?.httpStatus == 429)
        #expect(limited.error?.retryAfter == .seconds(50))
        wall.advance(by: .milliseconds(49_500))
        // Retry-After is whole seconds, rounded up.
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error?.retryAfter == .seconds(1))
        wall.advance(by: .milliseconds(500))
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error == nil)
        #expect(await simulatedChat(sim, simulatedRequest("x/model")).error?.retryAfter == .seconds(10))
    }

    @Test func aRejectedCallDoesNotUseUpACallIndex() async {
        let wall = SimulatedWallTime()
        let limited = provider(SimulatedProfile(answerTokens: 5...30, rpm: 1), wall: wall)
        let free = provider(SimulatedProfile(answerTokens: 5...30))
        _ = await simulatedChat(limited, simulatedRequest("x/model"))
        _ = await simulatedChat(free, simulatedRequest("x/model"))
        #expect(await simulatedChat(limited, simulatedRequest("x/model")).error?.kind == .rateLimited)
        wall.advance(by: .seconds(60))
        #expect(
            await simulatedChat(limited, simulatedRequest("x/model"))
                == (await simulatedChat(free, simulatedRequest("x/model"))))
    }

    // MARK: Timeouts

    @Test func aStallEndsAtTheFirstTokenTimeout() async {
        let sim = provider(SimulatedProfile(timeoutRate: 1))
        let start = ContinuousClock.now
        let result = await simulatedChat(
            sim, simulatedRequest("x/model", timeouts: ChatTimeouts(firstToken: .milliseconds(50))))
        #expect(result.error?.kind == .timeout)
        #expect(result.error?.message.contains("first token") == true)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func theTotalTimeoutCanComeFirst() async {
        let sim = provider(SimulatedProfile(timeoutRate: 1))
        let timeouts = ChatTimeouts(firstToken: .seconds(30), total: .milliseconds(40))
        let result = await simulatedChat(sim, simulatedRequest("x/model", timeouts: timeouts))
        #expect(result.error?.kind == .timeout)
        #expect(result.error?.message.contains("total") == true)
    }

    @Test func aSlowFirstTokenTimesOut() async {
        // 10 s to the first token in real time, against a 50 ms limit.
        let profile = SimulatedProfile(timeToFirstToken: LogNormalDelay(median: .seconds(10), spread: 0))
        let sim = provider(profile, timeScale: 1)
        let start = ContinuousClock.now
        let result = await simulatedChat(
            sim, simulatedRequest("x/model", timeouts: ChatTimeouts(firstToken: .milliseconds(50))))
        #expect(result.error?.kind == .timeout)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aSlowNonStreamedAnswerTimesOutOnTheFirstTokenLimit() async {
        // The first token is quick but the whole answer takes 10 s: too slow when nothing streams.
        let profile = SimulatedProfile(
            timeToFirstToken: LogNormalDelay(median: .milliseconds(1), spread: 0), tokensPerSecond: 2,
            answerTokens: 21...21)
        let sim = provider(profile, timeScale: 1)
        let timeouts = ChatTimeouts(firstToken: .milliseconds(100))
        #expect(
            await simulatedChat(sim, simulatedRequest("x/model", stream: false, timeouts: timeouts)).error?.kind
                == .timeout)
    }

    @Test func aSlowStreamHitsTheIdleTimeoutAfterItsFirstToken() async {
        let profile = SimulatedProfile(
            timeToFirstToken: LogNormalDelay(median: .zero, spread: 0), tokensPerSecond: 1, answerTokens: 5...5)
        let sim = provider(profile, timeScale: 1)
        let result = await simulatedChat(
            sim, simulatedRequest("x/model", timeouts: ChatTimeouts(idle: .milliseconds(50))))
        #expect(result.tokens.count == 1)
        #expect(result.finish == nil)
        #expect(result.error?.kind == .timeout)
        #expect(result.error?.message.contains("idle") == true)
    }

    @Test func aLongStreamHitsTheTotalTimeout() async {
        let profile = SimulatedProfile(
            timeToFirstToken: LogNormalDelay(median: .zero, spread: 0), tokensPerSecond: 20, answerTokens: 100...100)
        let sim = provider(profile, timeScale: 1)
        let result = await simulatedChat(
            sim, simulatedRequest("x/model", timeouts: ChatTimeouts(total: .milliseconds(200))))
        #expect(result.error?.kind == .timeout)
        #expect(result.error?.message.contains("total") == true)
        #expect((1..<100).contains(result.tokens.count))
    }

    // MARK: Pacing and cancellation

    @Test func tokensArriveBeforeTheEnd() async throws {
        // 5 tokens at 2 a second: the finish is due 2 s after the first token. Even if the consumer saw the
        // first token late (a busy machine, up to a second), it sees it well before the end.
        let profile = SimulatedProfile(
            timeToFirstToken: LogNormalDelay(median: .zero, spread: 0), tokensPerSecond: 2, answerTokens: 5...5)
        let sim = provider(profile, timeScale: 1)
        var firstTokenAt: ContinuousClock.Instant?
        var finishAt: ContinuousClock.Instant?
        for try await event in try await sim.chat(simulatedRequest("x/model")) {
            switch event {
            case .token: if firstTokenAt == nil { firstTokenAt = .now }
            case .finish: finishAt = .now
            case .usage: break
            }
        }
        let first = try #require(firstTokenAt)
        let finish = try #require(finishAt)
        #expect(finish - first >= .seconds(1))
    }

    @Test func cancellingTheConsumerEndsTheStreamPromptly() async throws {
        // 100 tokens at one a second would take 100 s.
        let profile = SimulatedProfile(
            timeToFirstToken: LogNormalDelay(median: .zero, spread: 0), tokensPerSecond: 1, answerTokens: 100...100)
        let sim = provider(profile, timeScale: 1)
        let firstToken = AsyncStream<Void>.makeStream()
        let consumer = Task {
            defer { firstToken.continuation.finish() }
            var count = 0
            do {
                for try await event in try await sim.chat(simulatedRequest("x/model")) {
                    if case .token = event {
                        count += 1
                        firstToken.continuation.yield()
                    }
                }
            } catch {}
            return count
        }
        for await _ in firstToken.stream { break }
        let start = ContinuousClock.now
        consumer.cancel()
        let count = await consumer.value
        #expect(count < 100)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func cancellingBeforeTheFirstTokenThrowsCancelled() async {
        let profile = SimulatedProfile(timeToFirstToken: LogNormalDelay(median: .seconds(60), spread: 0))
        let sim = provider(profile, timeScale: 1)
        let start = ContinuousClock.now
        let task = Task {
            await simulatedChat(sim, simulatedRequest("x/model", timeouts: ChatTimeouts(firstToken: .seconds(120))))
        }
        task.cancel()
        #expect(await task.value.error?.kind == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    // MARK: Embeddings

    @Test func embeddingsAreDeterministicUnitVectors() async throws {
        let sim = provider(SimulatedProfile(capabilities: [.embedding]), model: "x/embed")
        let result = try await sim.embed(EmbeddingRequest(model: "x/embed", input: ["hello", "world", "hello"]))
        #expect(result.vectors.count == 3)
        #expect(result.vectors.allSatisfy { $0.count == 16 })
        for vector in result.vectors {
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-9)
        }
        #expect(result.vectors[0] == result.vectors[2])
        #expect(result.vectors[0] != result.vectors[1])
        #expect(result.usage?.promptTokens == 6)
        // Another provider instance, another seed: the same vector for the same model and text.
        let other = SimulatedProvider(id: "o", profiles: ["x/embed": SimulatedProfile(capabilities: [.embedding])])
        #expect(
            try await other.embed(EmbeddingRequest(model: "x/embed", input: ["hello"])).vectors[0] == result.vectors[0])
        #expect(
            SimulatedProvider.embeddingVector(model: "y/embed", text: "hello")
                != SimulatedProvider.embeddingVector(model: "x/embed", text: "hello"))
    }

    @Test func embeddingsOnlyFromEmbeddingModels() async {
        let sim = provider(SimulatedProfile(capabilities: [.chat]))
        await #expect(throws: ProviderError.unsupported("x/model is not an embedding model")) {
            _ = try await sim.embed(EmbeddingRequest(model: "x/model", input: ["hello"]))
        }
        let embedder = provider(SimulatedProfile(capabilities: [.embedding]))
        let result = await simulatedChat(embedder, simulatedRequest("x/model"))
        #expect(result.error?.httpStatus == 400)
    }

    @Test func aDownEmbeddingModelFails() async {
        let sim = provider(SimulatedProfile(capabilities: [.embedding], availability: .alwaysDown))
        await #expect {
            _ = try await sim.embed(EmbeddingRequest(model: "x/model", input: ["hello"]))
        } throws: { error in
            (error as? ProviderError)?.httpStatus == 503
        }
    }
}
