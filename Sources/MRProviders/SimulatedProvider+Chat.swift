import MRCommon

extension SimulatedProvider {
    /// Plays `outcome` in real time: waits for the (scaled) first token under the caller's timeouts, then
    /// returns a stream that paces the remaining tokens. Non-streamed requests wait for the whole answer
    /// and get the same events at once.
    func run(_ outcome: SimulatedOutcome, request: ChatRequest, start: ContinuousClock.Instant)
        async throws(ProviderError) -> ChatStream
    {
        let deadlines = SimulatedDeadlines(start: start, timeouts: request.timeouts)
        let answer: SimulatedAnswer
        switch outcome {
        case .failure(let error, let after):
            try await deadlines.waitForAnswer(until: start + scaled(after))
            throw error
        case .stall:
            try await deadlines.waitForAnswer(until: nil)
            throw .timeout("no answer")  // not reached: waiting for nothing ends in a timeout
        case .answer(let value):
            answer = value
        }

        guard request.stream else {
            try await deadlines.waitForAnswer(until: start + scaled(answer.duration))
            guard let reason = answer.finishReason else {
                throw .invalidResponse("simulated: the response body was cut short")
            }
            let events = answer.tokens.map(ChatEvent.token) + [.usage(answer.usage), .finish(reason: reason)]
            return ChatStream(
                AsyncThrowingStream { continuation in
                    for event in events { continuation.yield(event) }
                    continuation.finish()
                })
        }

        let firstTokenAt = start + scaled(answer.timeToFirstToken)
        try await deadlines.waitForAnswer(until: firstTokenAt)
        let (stream, continuation) = AsyncThrowingStream<ChatEvent, any Error>.makeStream()
        continuation.yield(.token(answer.tokens[0]))
        let interval = scaled(answer.tokenInterval)
        let producer = Task {
            await Self.produce(
                answer, firstTokenAt: firstTokenAt, interval: interval, deadlines: deadlines,
                into: continuation)
        }
        // The consumer going away (cancelled or done iterating) stops the pacing at once.
        continuation.onTermination = { _ in producer.cancel() }
        return ChatStream(stream)
    }

    /// Yields the tokens after the first on their schedule, then usage and finish; or ends the stream with
    /// the timeout, cut or cancellation that comes first.
    private static func produce(
        _ answer: SimulatedAnswer, firstTokenAt: ContinuousClock.Instant, interval: Duration,
        deadlines: SimulatedDeadlines, into continuation: AsyncThrowingStream<ChatEvent, any Error>.Continuation
    ) async {
        do throws(ProviderError) {
            var last = firstTokenAt
            for index in answer.tokens.indices.dropFirst() {
                let due = firstTokenAt + interval * index
                try await deadlines.waitForChunk(due: due, previous: last)
                continuation.yield(.token(answer.tokens[index]))
                last = due
            }
            guard let reason = answer.finishReason else {
                throw ProviderError(
                    kind: .error, message: "simulated: stream cut after \(answer.tokens.count) tokens")
            }
            continuation.yield(.usage(answer.usage))
            continuation.yield(.finish(reason: reason))
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
}

/// The caller's three limits on one call, as instants.
struct SimulatedDeadlines: Sendable {
    let start: ContinuousClock.Instant
    let timeouts: ChatTimeouts

    var firstToken: ContinuousClock.Instant { start + timeouts.firstToken }
    var total: ContinuousClock.Instant { start + timeouts.total }

    /// Waits for the first token (or the whole non-streamed answer) due at `due` (nil: never comes);
    /// throws `.timeout` at the first-token or total limit if that comes first.
    func waitForAnswer(until due: ContinuousClock.Instant?) async throws(ProviderError) {
        let limit = min(firstToken, total)
        if let due, due <= limit {
            try await Self.sleep(until: due)
            return
        }
        try await Self.sleep(until: limit)
        throw firstToken <= total
            ? .timeout("no first token within \(timeouts.firstToken.formattedShort)")
            : .timeout("no answer within the total timeout of \(timeouts.total.formattedShort)")
    }

    /// Waits for a chunk due at `due` after one at `previous`; throws `.timeout` at the idle or total limit
    /// if that comes first.
    func waitForChunk(due: ContinuousClock.Instant, previous: ContinuousClock.Instant) async throws(ProviderError) {
        let idleLimit = previous + timeouts.idle
        let limit = min(idleLimit, total)
        if due <= limit {
            try await Self.sleep(until: due)
            return
        }
        try await Self.sleep(until: limit)
        throw idleLimit <= total
            ? .timeout("no chunk within the idle timeout of \(timeouts.idle.formattedShort)")
            : .timeout("stream exceeded the total timeout of \(timeouts.total.formattedShort)")
    }

    static func sleep(until instant: ContinuousClock.Instant) async throws(ProviderError) {
        do {
            try await Task.sleep(until: instant, clock: .continuous)
        } catch {
            throw .cancelled
        }
    }
}
