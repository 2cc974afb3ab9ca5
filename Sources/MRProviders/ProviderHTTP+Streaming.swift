import MRHTTPClient

/// Turns the server-sent events of one wire format into ``ChatEvent``s.
protocol ChatEventDecoder: Sendable {
    /// Handles one event. Throws for an in-stream error event or an event that does not parse.
    mutating func decode(_ event: SSEEvent, emit: (ChatEvent) -> Void) throws(ProviderError)
    /// The stream's terminator was seen and every event, `.finish` last, was emitted.
    var isComplete: Bool { get }
    /// The body ended cleanly but without the terminator. When the answer had reached its end anyway (a finish
    /// reason was seen), emits the remaining events, `.finish` last, and returns true; false means it was cut.
    mutating func endOfBody(emit: (ChatEvent) -> Void) -> Bool
}

/// Where a streamed answer stands: the parser and decoder states and the events not yet handed out.
struct StreamProgress<Decoder: ChatEventDecoder>: Sendable {
    var parser = SSEParser()
    var decoder: Decoder
    var events: [ChatEvent] = []
    /// The body ended (cleanly, as far as HTTP goes).
    var bodyEnded = false
    /// A failure found while parsing, thrown by the next ``step`` so the events before it are handed out first.
    var failure: ProviderError?

    /// Reads one chunk (or the end) and parses it into `events`.
    mutating func step(
        _ iterator: inout HTTPClientResponseBody.AsyncIterator, endpoint: ProviderEndpoint, timeouts: ChatTimeouts
    ) async throws(ProviderError) {
        if let failure { throw failure }
        let chunk: [UInt8]?
        do {
            chunk = try await iterator.next()
        } catch {
            throw endpoint.transportFailure(error, timeouts: timeouts)
        }
        guard let chunk else {
            bodyEnded = true
            parser.finish()
            return
        }
        do {
            try parser.feed(chunk) { event in
                if decoder.isComplete { return }
                try decoder.decode(event) { events.append($0) }
            }
        } catch let error as ProviderError {
            failure = error
        } catch {
            failure = endpoint.failure(.error, "invalid response: \(error)")
        }
    }
}

extension ProviderEndpoint {
    /// Reads a streamed (SSE) chat answer: waits for its first event within the first-token limit (so failures
    /// before the answer starts are thrown here, where a router can still fall back), then hands the rest out
    /// through the returned stream as it arrives.
    ///
    /// The stream ends with `.finish` only when the answer completed; a body that ends without the terminator,
    /// a transport failure, a timeout or an in-stream error end it with a thrown ``ProviderError``. Cancelling the
    /// consumer aborts the transfer.
    func streamChat<Decoder: ChatEventDecoder>(
        _ response: HTTPClientResponse, decoder: Decoder, timeouts: ChatTimeouts, startedAt: ContinuousClock.Instant
    ) async throws(ProviderError) -> ChatStream {
        let body = response.body
        let progress = try await firstEvents(
            body: body, progress: StreamProgress(decoder: decoder), timeouts: timeouts,
            deadline: startedAt + timeouts.firstToken)
        let (stream, continuation) = AsyncThrowingStream<ChatEvent, any Error>.makeStream()
        let endpoint = self
        let task = Task {
            var progress = progress
            var iterator = body.makeAsyncIterator()
            do throws(ProviderError) {
                while true {
                    for event in progress.events { continuation.yield(event) }
                    progress.events.removeAll(keepingCapacity: true)
                    if progress.decoder.isComplete { break }
                    if progress.bodyEnded {
                        guard progress.decoder.endOfBody(emit: { continuation.yield($0) }) else {
                            throw endpoint.cutFailure()
                        }
                        continuation.finish()
                        return
                    }
                    try await progress.step(&iterator, endpoint: endpoint, timeouts: timeouts)
                }
            } catch {
                continuation.finish(throwing: error)
                return
            }
            continuation.finish()
            // Read what little follows the terminator so the connection can be reused; failures no longer matter.
            var drained = 0
            while !progress.bodyEnded, drained < 64 * 1024, let chunk = try? await iterator.next() {
                drained += chunk.count
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return ChatStream(stream)
    }

    /// A body that ended before the answer's terminator.
    func cutFailure() -> ProviderError {
        failure(.error, "stream cut: the response ended before the answer was finished")
    }

    /// Reads until the first event, the end of the body, or a failure, racing the first-token deadline.
    private func firstEvents<Decoder: ChatEventDecoder>(
        body: HTTPClientResponseBody, progress: StreamProgress<Decoder>, timeouts: ChatTimeouts,
        deadline: ContinuousClock.Instant
    ) async throws(ProviderError) -> StreamProgress<Decoder> {
        let endpoint = self
        let outcome = await withTaskGroup(of: Result<StreamProgress<Decoder>, ProviderError>?.self) { group in
            group.addTask {
                var progress = progress
                var iterator = body.makeAsyncIterator()
                do throws(ProviderError) {
                    while progress.events.isEmpty, !progress.bodyEnded, !progress.decoder.isComplete {
                        try await progress.step(&iterator, endpoint: endpoint, timeouts: timeouts)
                    }
                    return .success(progress)
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                } catch {
                    return nil  // the reader finished first
                }
                return .failure(
                    endpoint.failure(
                        .timeout, "first token timeout: no token within \(format(timeouts.firstToken))"))
            }
            var outcome: Result<StreamProgress<Decoder>, ProviderError>?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            return outcome
        }
        switch outcome {
        case .success(var progress):
            if progress.events.isEmpty && progress.bodyEnded && !progress.decoder.isComplete {
                // Ended before anything was said: complete only if a finish reason came (an empty answer).
                guard progress.decoder.endOfBody(emit: { progress.events.append($0) }) else { throw cutFailure() }
            }
            return progress
        case .failure(let error): throw error
        case nil: throw .cancelled
        }
    }
}

extension ProviderEndpoint {
    /// A finished answer as a stream: the events, then the end.
    static func completedStream(_ events: [ChatEvent]) -> ChatStream {
        let (stream, continuation) = AsyncThrowingStream<ChatEvent, any Error>.makeStream()
        for event in events { continuation.yield(event) }
        continuation.finish()
        return ChatStream(stream)
    }
}
