import MRCatalog
import MRProviders

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Sends the smallest real request a deployment's capability allows and classifies what happened
/// (SPEC "Probes and storage").
///
/// A chat probe streams one token (`max_tokens: 1`) and reads the answer to its end: a stream cut before
/// its finish is `error`, one that stalls past the timeout is `timeout`. An embedding probe embeds one
/// short input. Probes ask the provider's limiter with `.probe` priority, so real traffic goes first; the
/// time spent waiting for a token counts against the probe's timeout (a probe that cannot get a turn in
/// time says `timeout` with that reason rather than hanging a worker).
public struct ProbeRunner: Sendable {
    /// Adapters by provider id.
    public let adapters: [String: any ProviderAdapter]
    /// An answer slower than this is `degraded`.
    public let degradedAfter: Duration
    /// The prompt of chat probes.
    public static let prompt = "Reply with OK."
    /// The input of embedding probes.
    public static let embeddingInput = "ping"

    public init(adapters: [String: any ProviderAdapter], degradedAfter: Duration) {
        self.adapters = adapters
        self.degradedAfter = degradedAfter
    }

    /// Probes `target`, never taking longer than `timeout` (plus scheduling slack), never throwing.
    public func probe(_ target: ProbeTarget, timeout: Duration) async -> ProbeResult {
        let clock = ContinuousClock()
        let start = clock.now
        guard let adapter = adapters[target.provider] else {
            return ProbeResult(
                model: target.model, provider: target.provider, status: .error,
                error: "provider '\(target.provider)' is not configured", checkedAt: Date())
        }
        let timeouts = ChatTimeouts(
            connect: min(timeout, .seconds(10)), firstToken: timeout, idle: timeout, total: timeout)
        let outcome = await Self.withDeadline(timeout) { () async -> Outcome in
            switch target.kind {
            case .chat: await chat(adapter, target: target, timeouts: timeouts, clock: clock, start: start)
            case .embedding: await embed(adapter, target: target, timeouts: timeouts)
            }
        }
        let elapsed = start.duration(to: clock.now)
        var result = ProbeResult(
            model: target.model, provider: target.provider, status: .ok, checkedAt: Date(), duration: elapsed)
        switch outcome {
        case .answered(let ttft):
            result.latencyMs = Int(elapsed.milliseconds)
            result.ttftMs = ttft.map { Int($0.milliseconds) }
            result.status = elapsed > degradedAfter ? .degraded : .ok
        case .failed(let error):
            result.status = DeploymentStatus(rawValue: error.probeStatus) ?? .error
            result.httpStatus = error.httpStatus
            result.error = error.message
            if error.kind == .cancelled { result.error = "cancelled" }
        case .deadline:
            result.status = .timeout
            result.error = "no complete answer within \(timeout.formattedShort)"
        }
        return result
    }

    enum Outcome: Sendable {
        /// A complete answer; `ttft` for chat.
        case answered(ttft: Duration?)
        case failed(ProviderError)
        /// The probe's own deadline passed first.
        case deadline
    }

    private func chat(
        _ adapter: any ProviderAdapter, target: ProbeTarget, timeouts: ChatTimeouts, clock: ContinuousClock,
        start: ContinuousClock.Instant
    ) async -> Outcome {
        let request = ChatRequest(
            model: target.upstreamID, messages: [ChatMessage(role: "user", content: Self.prompt)], maxTokens: 1,
            stream: true, timeouts: timeouts, priority: .probe)
        var ttft: Duration?
        do {
            let stream = try await adapter.chat(request)
            var finished = false
            for try await event in stream {
                switch event {
                case .token:
                    if ttft == nil { ttft = start.duration(to: clock.now) }
                case .usage:
                    break
                case .finish:
                    if ttft == nil { ttft = start.duration(to: clock.now) }
                    finished = true
                }
            }
            guard finished else {
                return .failed(.invalidResponse("the stream ended before its finish"))
            }
            return .answered(ttft: ttft)
        } catch {
            return .failed(error)
        }
    }

    private func embed(_ adapter: any ProviderAdapter, target: ProbeTarget, timeouts: ChatTimeouts) async -> Outcome {
        do {
            let result = try await adapter.embed(
                EmbeddingRequest(
                    model: target.upstreamID, input: [Self.embeddingInput], timeouts: timeouts, priority: .probe))
            guard let vector = result.vectors.first, !vector.isEmpty else {
                return .failed(.invalidResponse("the embedding response held no vector"))
            }
            return .answered(ttft: nil)
        } catch {
            return .failed(error)
        }
    }

    /// Runs `work`, or answers `.deadline` once `limit` has passed (cancelling `work`).
    static func withDeadline(_ limit: Duration, _ work: @escaping @Sendable () async -> Outcome) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await work() }
            group.addTask {
                // A little slack, so the adapter's own timeouts (which name the phase) usually win the race.
                try? await Task.sleep(for: limit + .milliseconds(250))
                return Task.isCancelled ? nil : .deadline
            }
            var outcome: Outcome = .deadline
            if let first = await group.next(), let value = first { outcome = value }
            group.cancelAll()
            return outcome
        }
    }
}
