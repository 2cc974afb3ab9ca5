import MRConfig
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The in-process provider behind `serve --demo`, tests and benchmarks: no network, each model driven by
/// a ``SimulatedProfile``, deterministic from a seed.
///
/// Determinism: the nth call (counting from 0, per model) draws everything random from a generator keyed
/// by (seed, model, n), so two providers with the same seed and profiles give the same outcomes, latencies
/// and texts for the same sequence of calls. The parts that depend on time — the flapping cycle and each
/// model's own rpm window — read the injectable `now` (wall-clock time since the Unix epoch), so tests
/// control them. Simulated delays are real `Task.sleep`s multiplied by `timeScale`; the caller's
/// ``ChatTimeouts`` are real time and are always honoured.
package final class SimulatedProvider: ProviderAdapter {
    package let id: String
    package var type: ProviderType { .simulated }
    package var isSimulated: Bool { true }

    /// The models served, by id (the id is also the upstream id).
    package let profiles: [String: SimulatedProfile]
    package let seed: UInt64
    /// Factor applied to every simulated delay (1 = as profiled; 0.001 in tests).
    package let timeScale: Double
    private let now: @Sendable () -> Duration
    private let state = Mutex(State())

    private struct State {
        /// Calls admitted so far, per model: the next call's index.
        var callCounts: [String: UInt64] = [:]
        /// Admission times within the last minute, per rate-limited model, oldest first.
        var recentCalls: [String: [Duration]] = [:]
    }

    /// - Parameters:
    ///   - now: wall-clock time since the Unix epoch; drives flapping and the per-model rpm windows.
    package init(
        id: String, profiles: [String: SimulatedProfile], seed: UInt64 = 0, timeScale: Double = 1,
        now: @escaping @Sendable () -> Duration = SimulatedProvider.systemTime
    ) {
        self.id = id
        self.profiles = profiles
        self.seed = seed
        self.timeScale = max(0, timeScale)
        self.now = now
    }

    /// The system's wall clock, as time since the Unix epoch.
    package static let systemTime: @Sendable () -> Duration = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }

    // MARK: ProviderAdapter

    package func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        profiles.sorted { $0.key < $1.key }.map { model, profile in
            DiscoveredModel(
                upstreamID: model, ownedBy: model.split(separator: "/").first.map(String.init),
                displayName: profile.displayName, contextLength: profile.contextLength,
                declaredCapabilities: profile.capabilities, hints: ["simulated"],
                inputCostPerMTok: profile.inputCostPerMTok, outputCostPerMTok: profile.outputCostPerMTok)
        }
    }

    package func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        let start = ContinuousClock.now
        let profile = try profile(for: request.model)
        guard profile.servesChat else {
            throw ProviderError(
                kind: .error, message: "\(request.model) is an embedding model and does not chat", httpStatus: 400)
        }
        let call = try admit(request.model, profile: profile)
        var prompt = request.messages.map(\.content)
        if let system = request.system { prompt.append(system) }
        let outcome = profile.outcome(
            model: request.model, seed: seed, callIndex: call.index, isUp: call.isUp,
            promptTokens: Self.estimatedTokens(prompt), maxTokens: request.maxTokens, mayCut: request.stream)
        return try await run(outcome, request: request, start: start)
    }

    package func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        let start = ContinuousClock.now
        let profile = try profile(for: request.model)
        guard profile.capabilities.contains(.embedding) else {
            throw .unsupported("\(request.model) is not an embedding model")
        }
        let call = try admit(request.model, profile: profile)
        let promptTokens = Self.estimatedTokens(request.input)
        let outcome = profile.outcome(
            model: request.model, seed: seed, callIndex: call.index, isUp: call.isUp, promptTokens: promptTokens,
            maxTokens: 1, mayCut: false)
        let deadlines = SimulatedDeadlines(start: start, timeouts: request.timeouts)
        switch outcome {
        case .failure(let error, let after):
            try await deadlines.waitForAnswer(until: start + scaled(after))
            throw error
        case .stall:
            try await deadlines.waitForAnswer(until: nil)
            throw .timeout("no answer")  // not reached: the wait above throws
        case .answer(let answer):
            try await deadlines.waitForAnswer(until: start + scaled(answer.timeToFirstToken))
            let vectors = request.input.map { Self.embeddingVector(model: request.model, text: $0) }
            return EmbeddingResult(vectors: vectors, usage: Usage(promptTokens: promptTokens, completionTokens: 0))
        }
    }

    // MARK: Admission

    /// The profile of `model`, or 404 when the provider does not serve it.
    private func profile(for model: String) throws(ProviderError) -> SimulatedProfile {
        guard let profile = profiles[model] else {
            throw ProviderError(
                kind: .notFound, message: "model \(model) is not served by simulated provider \(id)", httpStatus: 404)
        }
        return profile
    }

    /// Applies the model's rpm window (a 429 does not count as a call) and numbers the call.
    private func admit(_ model: String, profile: SimulatedProfile) throws(ProviderError) -> (index: UInt64, isUp: Bool)
    {
        let time = now()
        let admitted: Result<UInt64, ProviderError> = state.withLock { state in
            if profile.rpm > 0 {
                let window = Duration.seconds(60)
                var recent = state.recentCalls[model, default: []]
                recent.removeAll { $0 <= time - window }
                if recent.count >= profile.rpm {
                    state.recentCalls[model] = recent
                    // Retry-After is whole seconds on the wire: round up, at least 1 s.
                    let wait = recent[0] + window - time
                    let seconds = max(1, Int64((wait / .seconds(1)).rounded(.up)))
                    return .failure(
                        ProviderError(
                            kind: .rateLimited, message: "\(model): simulated limit of \(profile.rpm) requests/min",
                            httpStatus: 429, retryAfter: .seconds(seconds)))
                }
                recent.append(time)
                state.recentCalls[model] = recent
            }
            let index = state.callCounts[model, default: 0]
            state.callCounts[model] = index + 1
            return .success(index)
        }
        return (try admitted.get(), profile.isUp(at: time))
    }

    // MARK: Helpers

    /// A simulated delay in real time.
    func scaled(_ duration: Duration) -> Duration {
        timeScale == 1 ? duration : duration * timeScale
    }

    /// A rough token count (about four characters a token), at least 1 per non-empty text.
    package static func estimatedTokens(_ texts: [String]) -> Int {
        texts.reduce(0) { $0 + ($1.isEmpty ? 0 : ($1.utf8.count + 3) / 4) }
    }

    /// A deterministic unit vector for `text` (16 dimensions), different per model.
    package static func embeddingVector(model: String, text: String, dimensions: Int = 16) -> [Double] {
        var generator = SplitMix64(seed: StableHash.fnv1a(model + "\u{0}" + text))
        var vector = (0..<dimensions).map { _ in generator.nextUnit() * 2 - 1 }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { vector = vector.map { $0 / norm } }
        return vector
    }
}
