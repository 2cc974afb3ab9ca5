import MRConfig
import Synchronization
import Testing

@testable import MRProviders

/// A wall clock the test moves by hand (time since the Unix epoch).
final class SimulatedWallTime: Sendable {
    private let value: Mutex<Duration>
    init(_ start: Duration = .zero) { value = Mutex(start) }
    var now: Duration { value.withLock { $0 } }
    func advance(by duration: Duration) { value.withLock { $0 += duration } }
    var closure: @Sendable () -> Duration { { self.now } }
}

/// Everything a chat call produced.
struct SimulatedChatRecord: Hashable {
    var tokens: [String] = []
    var usage: Usage?
    var finish: String?
    /// Thrown by `chat` or while iterating.
    var error: ProviderError?
    var text: String { tokens.joined() }
}

func simulatedChat(_ provider: SimulatedProvider, _ request: ChatRequest) async -> SimulatedChatRecord {
    var result = SimulatedChatRecord()
    do {
        for try await event in try await provider.chat(request) {
            switch event {
            case .token(let text): result.tokens.append(text)
            case .usage(let usage): result.usage = usage
            case .finish(let reason): result.finish = reason
            }
        }
    } catch {
        result.error = error
    }
    return result
}

func simulatedRequest(
    _ model: String, maxTokens: Int? = nil, stream: Bool = true, timeouts: ChatTimeouts = ChatTimeouts()
) -> ChatRequest {
    ChatRequest(
        model: model, messages: [ChatMessage(role: "user", content: "Say hello to the simulator")],
        maxTokens: maxTokens, stream: stream, timeouts: timeouts)
}

@Suite struct SimulatedProviderTests {
    static let mixed = SimulatedProfile(
        timeToFirstToken: LogNormalDelay(median: .milliseconds(200), spread: 0.5), answerTokens: 3...30,
        failureRate: 0.2, cutRate: 0.2)

    func provider(
        _ profiles: [String: SimulatedProfile], seed: UInt64 = 7, wall: SimulatedWallTime = SimulatedWallTime()
    ) -> SimulatedProvider {
        SimulatedProvider(id: "sim", profiles: profiles, seed: seed, timeScale: 0.001, now: wall.closure)
    }

    func plans(seed: UInt64, model: String = "x/mixed", count: Int = 40) -> [SimulatedOutcome] {
        (0..<count).map {
            Self.mixed.outcome(
                model: model, seed: seed, callIndex: UInt64($0), isUp: true, promptTokens: 5, maxTokens: nil)
        }
    }

    @Test func theSameSeedPlansTheSameCalls() {
        let first = plans(seed: 1)
        #expect(first == plans(seed: 1))
        #expect(first != plans(seed: 2))
        #expect(first != plans(seed: 1, model: "x/other"))
        // The sequence is varied: failures and answers, different latencies and lengths.
        let failures = first.filter { if case .failure = $0 { true } else { false } }.count
        #expect(failures > 0 && failures < first.count)
        let latencies = Set(
            first.compactMap { if case .answer(let answer) = $0 { answer.timeToFirstToken } else { nil } })
        #expect(latencies.count > 10)
    }

    @Test func failureRateIsRoughlyHonoured() {
        let outcomes = plans(seed: 99, count: 1000)
        let failures = outcomes.filter { if case .failure = $0 { true } else { false } }.count
        #expect((120...280).contains(failures))  // 20 % of 1000; seeded, so this never wobbles
    }

    @Test func theSameSeedReplaysTheSameCallsThroughTheProvider() async {
        func run(seed: UInt64) async -> [SimulatedChatRecord] {
            let sim = provider(["x/mixed": Self.mixed], seed: seed)
            var records: [SimulatedChatRecord] = []
            for _ in 0..<12 { records.append(await simulatedChat(sim, simulatedRequest("x/mixed"))) }
            return records
        }
        let first = await run(seed: 3)
        #expect(first == (await run(seed: 3)))
        #expect(first != (await run(seed: 4)))
        #expect(first.contains { $0.finish == "stop" })
        #expect(first.contains { $0.error != nil })
    }

    @Test func callsToOneModelDoNotShiftAnother() async {
        let profiles = ["x/a": Self.mixed, "x/b": Self.mixed]
        let quiet = provider(profiles)
        let busy = provider(profiles)
        for _ in 0..<5 { _ = await simulatedChat(busy, simulatedRequest("x/b")) }
        #expect(
            await simulatedChat(quiet, simulatedRequest("x/a")) == (await simulatedChat(busy, simulatedRequest("x/a"))))
    }

    @Test func anAnswerStreamsTokensThenUsageThenStop() async throws {
        let sim = provider(["x/chat": SimulatedProfile(answerTokens: 8...8)])
        let result = await simulatedChat(sim, simulatedRequest("x/chat"))
        #expect(result.error == nil)
        #expect(result.tokens.count == 8)
        #expect(result.finish == "stop")
        #expect(result.usage == Usage(promptTokens: 7, completionTokens: 8))
        #expect(result.text.hasSuffix("."))
        #expect(result.text.split(separator: " ").count == 8)
    }

    @Test func maxTokensEndsTheAnswerWithLength() async {
        let sim = provider(["x/chat": SimulatedProfile(answerTokens: 10...10)])
        let capped = await simulatedChat(sim, simulatedRequest("x/chat", maxTokens: 3))
        #expect(capped.tokens.count == 3)
        #expect(capped.finish == "length")
        #expect(capped.usage?.completionTokens == 3)
        let probe = await simulatedChat(sim, simulatedRequest("x/chat", maxTokens: 1))
        #expect(probe.tokens.count == 1)
        #expect(probe.finish == "length")
        let roomy = await simulatedChat(sim, simulatedRequest("x/chat", maxTokens: 50))
        #expect(roomy.tokens.count == 10)
        #expect(roomy.finish == "stop")
    }

    @Test func nonStreamedCallsGiveTheSameEventsAtOnce() async {
        let profile = SimulatedProfile(answerTokens: 5...20, cutRate: 1)
        let streamed = await simulatedChat(provider(["x/chat": profile]), simulatedRequest("x/chat", stream: true))
        let whole = await simulatedChat(provider(["x/chat": profile]), simulatedRequest("x/chat", stream: false))
        // A stream may be cut; a non-streamed answer is never cut, and otherwise the same.
        #expect(streamed.finish == nil)
        #expect(streamed.error?.kind == .error)
        #expect(whole.error == nil)
        #expect(whole.finish == "stop")
        #expect(whole.tokens.starts(with: streamed.tokens))
    }

    @Test func unknownModelsAreNotFound() async {
        let sim = provider(["x/chat": SimulatedProfile()])
        let result = await simulatedChat(sim, simulatedRequest("x/missing"))
        #expect(result.error?.kind == .notFound)
        #expect(result.error?.httpStatus == 404)
        #expect(result.error?.isPermanent == true)
        await #expect(throws: ProviderError.self) {
            _ = try await sim.embed(EmbeddingRequest(model: "x/missing", input: ["a"]))
        }
    }

    @Test func listModelsDescribesEveryProfile() async throws {
        let sim = provider([
            "acme/chat": SimulatedProfile(
                displayName: "Chat", capabilities: [.chat, .code], contextLength: 4096, inputCostPerMTok: 1,
                outputCostPerMTok: 2),
            "zeta/embed": SimulatedProfile(capabilities: [.embedding]),
        ])
        #expect(sim.isSimulated)
        #expect(sim.type == .simulated)
        let models = try await sim.listModels()
        #expect(models.map(\.upstreamID) == ["acme/chat", "zeta/embed"])
        #expect(models[0].ownedBy == "acme")
        #expect(models[0].displayName == "Chat")
        #expect(models[0].declaredCapabilities == [.chat, .code])
        #expect(models[0].contextLength == 4096)
        #expect(models[0].inputCostPerMTok == 1)
        #expect(models[0].outputCostPerMTok == 2)
        #expect(models[0].hints == ["simulated"])
        #expect(models[1].declaredCapabilities == [.embedding])
    }
}
