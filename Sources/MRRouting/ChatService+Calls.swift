import MRConfig
import MRProviders

extension ChatService {
    /// Routes a streamed chat. Returns once a deployment produced its first event (the caller then sends its
    /// headers); failures before that fall back to the next candidate. Later failures surface from
    /// ``ChatSession/next()``: the answer has reached the client, so there is no going back.
    package func stream(_ request: RoutedChatRequest) async throws(RoutingError) -> ChatSession {
        let upstream = upstreamRequest(request)
        let opened = try await run(
            model: request.model, endpoint: .chat, route: request.route, receivedAt: request.receivedAt,
            usage: request.usage
        ) { candidate, adapter -> OpenedStream in
            let startedAt = ContinuousClock.now
            var call = upstream
            call.model = candidate.deployment.upstreamID
            let stream = try await adapter.chat(call)
            var iterator = stream.makeAsyncIterator()
            guard let first = try await iterator.next() else {
                if Task.isCancelled { throw ProviderError.cancelled }
                throw ProviderError(kind: .error, message: "stream cut: the response ended before any event")
            }
            return OpenedStream(iterator: iterator, first: first, ttft: .now - startedAt)
        }
        return ChatSession(service: self, opened: opened, request: request)
    }

    /// Routes a chat whose client wants the whole answer at once. Nothing reaches the client before the
    /// answer is complete, so a failure anywhere in it (a cut, a stall) still falls back.
    package func complete(_ request: RoutedChatRequest) async throws(RoutingError) -> ChatCompletion {
        var upstream = upstreamRequest(request)
        upstream.wholeAnswer = true
        let done = try await run(
            model: request.model, endpoint: .chat, route: request.route, receivedAt: request.receivedAt,
            usage: request.usage
        ) { candidate, adapter -> Collected in
            let startedAt = ContinuousClock.now
            var call = upstream
            call.model = candidate.deployment.upstreamID
            var collected = Collected()
            do {
                for try await event in try await adapter.chat(call) {
                    collected.add(event, startedAt: startedAt)
                }
            } catch {
                collected.failure = Self.providerError(error)
            }
            try collected.checkComplete()
            return collected
        }
        return completed(done, request: request)
    }

    /// Records a whole answer's success and builds it (out of line, like the other synchronous steps of a call:
    /// see ``run(model:endpoint:route:receivedAt:usage:call:)``).
    @inline(never)
    func completed(_ done: Attempted<Collected>, request: RoutedChatRequest) -> ChatCompletion {
        let value = done.value
        let now = ContinuousClock.now
        recordSuccess(
            candidate: done.candidate, endpoint: .chat, attempt: done.attempt, startedAt: done.startedAt,
            ttft: value.ttft, usage: value.usage)
        let ttft = (value.ttft.map { done.startedAt + $0 } ?? now) - request.receivedAt
        recordUsage(
            request.usage, endpoint: .chat, candidate: done.candidate, outcome: "ok", attempts: done.attempt,
            usage: value.usage, cost: done.trace.cost(of: value.usage), latency: now - request.receivedAt, ttft: ttft)
        return ChatCompletion(
            text: value.text, finishReason: FinishReason.normalized(value.finishReason ?? "stop"), usage: value.usage,
            trace: done.trace, ttft: ttft, latency: now - request.receivedAt)
    }

    /// Routes an embeddings call (candidates with the `embedding` capability), with the same fallback.
    package func embed(_ request: RoutedEmbeddingRequest) async throws(RoutingError) -> (EmbeddingResult, RouteTrace) {
        let timeouts = self.timeouts
        let done = try await run(
            model: request.model, endpoint: .embedding, route: request.route, receivedAt: request.receivedAt,
            usage: request.usage
        ) { candidate, adapter -> EmbeddingResult in
            try await adapter.embed(
                EmbeddingRequest(
                    model: candidate.deployment.upstreamID, input: request.input, timeouts: timeouts,
                    priority: .traffic))
        }
        recordEmbedded(done, request: request)
        return (done.value, done.trace)
    }

    /// Records an embeddings call's success (out of line, as ``completed(_:request:)``).
    @inline(never)
    func recordEmbedded(_ done: Attempted<EmbeddingResult>, request: RoutedEmbeddingRequest) {
        let now = ContinuousClock.now
        recordSuccess(
            candidate: done.candidate, endpoint: .embedding, attempt: done.attempt, startedAt: done.startedAt,
            ttft: nil, usage: done.value.usage)
        recordUsage(
            request.usage, endpoint: .embedding, candidate: done.candidate, outcome: "ok", attempts: done.attempt,
            usage: done.value.usage, cost: done.trace.cost(of: done.value.usage), latency: now - request.receivedAt)
    }

    /// The upstream request before the deployment's own model name is filled in. Always streamed upstream:
    /// the three timeouts (first token, idle, total) then mean what they say for every call, time to first
    /// token is measured for latency routing, and a non-streamed client's answer is assembled here.
    @inline(never)
    func upstreamRequest(_ request: RoutedChatRequest) -> ChatRequest {
        ChatRequest(
            model: "", messages: request.messages, system: request.system, temperature: request.temperature,
            maxTokens: request.maxTokens, stream: true, timeouts: timeouts, priority: .traffic)
    }
}

/// A stream whose first event arrived.
struct OpenedStream: @unchecked Sendable {
    // @unchecked: the iterator is used by one task at a time (the one consuming the session).
    var iterator: ChatStream.Iterator
    var first: ChatEvent
    var ttft: Duration
}

/// An answer read to its end (or to its failure).
struct Collected: Sendable {
    var text = ""
    var usage: Usage?
    var finishReason: String?
    var ttft: Duration?
    var failure: ProviderError?

    mutating func add(_ event: ChatEvent, startedAt: ContinuousClock.Instant) {
        switch event {
        case .token(let text):
            if ttft == nil { ttft = .now - startedAt }
            self.text += text
        case .usage(let usage): self.usage = usage
        case .finish(let reason): finishReason = reason
        }
    }

    /// Throws unless the answer finished: the failure before any token (the router may fall back), or after
    /// tokens as a ``MidStreamFailure`` (recorded as such; no client saw them, so it falls back too).
    @inline(never)
    mutating func checkComplete() throws {
        if failure == nil && Task.isCancelled { throw ProviderError.cancelled }
        if failure == nil && finishReason == nil {
            failure = ProviderError(
                kind: .error, message: "stream cut: the response ended before the answer was finished")
        }
        guard let failure else { return }
        guard ttft != nil else { throw failure }
        throw MidStreamFailure(error: failure, ttft: ttft)
    }
}

/// A failure after tokens of an answer no client has seen yet.
struct MidStreamFailure: Error {
    var error: ProviderError
    var ttft: Duration?
}
