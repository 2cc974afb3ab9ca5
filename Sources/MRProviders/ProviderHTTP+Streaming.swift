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
    /// The events of a whole (non-streamed) answer body.
    func events(ofWholeAnswer body: [UInt8]) throws(ProviderError) -> [ChatEvent]
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
        consume(chunk, endpoint: endpoint)
    }

    /// Parses one chunk, or the end of the body (nil). Out of line so the parser's temporaries live on the
    /// thread's stack, not in the async frame of ``step``, which a stream's task keeps for the stream's life.
    @inline(never)
    mutating func consume(_ chunk: [UInt8]?, endpoint: ProviderEndpoint) {
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
    /// Sends a chat request an adapter built and reads its answer: streamed (see ``streamChat``) or whole, in
    /// which case the answer must arrive within the first-token limit.
    ///
    /// Adapters build the request in a synchronous function and call this one, so that the encoding's
    /// temporaries live on the thread's stack and not in the async frame, which stays allocated (in the
    /// task) until the first event arrives: at 5,000 streams opening at once, every kilobyte of it is 5 MB.
    func chat<Decoder: ChatEventDecoder>(
        _ request: HTTPClientRequest, streamed: Bool, decoder: Decoder, timeouts: ChatTimeouts
    ) async throws(ProviderError) -> ChatStream {
        if streamed {
            let response = try await open(request, timeouts: timeouts)
            return try await streamChat(response, decoder: decoder, timeouts: timeouts)
        }
        var oneShot = timeouts
        oneShot.total = min(timeouts.total, timeouts.firstToken)
        let bytes = try await fetch(request, timeouts: oneShot)
        return Self.completedStream(try decoder.events(ofWholeAnswer: bytes))
    }

    /// Reads a streamed (SSE) chat answer: waits for its first event within the first-token limit (so failures
    /// before the answer starts are thrown here, where a router can still fall back), then hands the rest out
    /// through the returned stream as its consumer asks for it.
    ///
    /// The stream ends with `.finish` only when the answer completed; a body that ends without the terminator,
    /// a transport failure, a timeout or an in-stream error end it with a thrown ``ProviderError``. Cancelling the
    /// consumer aborts the transfer.
    func streamChat<Decoder: ChatEventDecoder>(
        _ response: HTTPClientResponse, decoder: Decoder, timeouts: ChatTimeouts
    ) async throws(ProviderError) -> ChatStream {
        // The consumer reads the body itself: no pump task and no AsyncThrowingStream between the transfer and
        // the router (each was a task, a wake-up per event and allocations on every routed call). The reader
        // also keeps the parse state while the first event is awaited, so no async frame holds a copy of it.
        let reader = StreamedChatReader(
            body: response.body, progress: StreamProgress(decoder: decoder), endpoint: self, timeouts: timeouts)
        try await reader.readFirstEvents()
        return ChatStream(reader: reader)
    }

    /// A body that ended before the answer's terminator.
    func cutFailure() -> ProviderError {
        failure(.error, "stream cut: the response ended before the answer was finished")
    }
}

/// The rest of a streamed answer, read by the stream's consumer: each `next()` hands out a parsed event or
/// reads the next chunk of the body.
///
/// `@unchecked Sendable`: a ``ChatStream`` has one consumer, which calls `next()` one call at a time (the same
/// contract as `AsyncThrowingStream`); the state is never touched concurrently.
final class StreamedChatReader<Decoder: ChatEventDecoder>: ChatEventReader, @unchecked Sendable {
    private let body: HTTPClientResponseBody
    private var iterator: HTTPClientResponseBody.AsyncIterator
    private var progress: StreamProgress<Decoder>
    private var handedOut = 0
    private var ended = false
    private let endpoint: ProviderEndpoint
    private let timeouts: ChatTimeouts

    init(
        body: HTTPClientResponseBody, progress: StreamProgress<Decoder>, endpoint: ProviderEndpoint,
        timeouts: ChatTimeouts
    ) {
        self.body = body
        self.iterator = body.makeAsyncIterator()
        self.progress = progress
        self.endpoint = endpoint
        self.timeouts = timeouts
    }

    /// Reads until the first event, the end of the body, or a failure. The first-token deadline is the request's
    /// `firstEvent` limit, kept by the HTTP client's driver: no timer task and no task group per call (both cost
    /// wake-ups and allocations on every routed request); the read fails with a timeout when it passes.
    func readFirstEvents() async throws(ProviderError) {
        do throws(ProviderError) {
            while progress.events.isEmpty, !progress.bodyEnded, !progress.decoder.isComplete {
                try await progress.step(&iterator, endpoint: endpoint, timeouts: timeouts)
            }
        } catch  where error.kind == .timeout && error.message.hasPrefix("first token timeout") {
            throw endpoint.failure(.timeout, "first token timeout: no token within \(format(timeouts.firstToken))")
        }
        body.markFirstEvent()
        if progress.events.isEmpty && progress.bodyEnded && !progress.decoder.isComplete {
            // Ended before anything was said: complete only if a finish reason came (an empty answer).
            try endOfBody()
        }
    }

    func next() async throws(ProviderError) -> ChatEvent? {
        while true {
            if handedOut < progress.events.count {
                handedOut += 1
                return progress.events[handedOut - 1]
            }
            progress.events.removeAll(keepingCapacity: true)
            handedOut = 0
            if ended { return nil }
            if progress.decoder.isComplete {
                ended = true
                drain()
                return nil
            }
            if progress.bodyEnded {
                try endOfBody()
                continue
            }
            do {
                try await progress.step(&iterator, endpoint: endpoint, timeouts: timeouts)
            } catch {
                ended = true
                throw error
            }
        }
    }

    /// The body ended cleanly: the decoder's last events, or a cut when the answer had not finished.
    @inline(never)
    private func endOfBody() throws(ProviderError) {
        // Collected apart: the closure must not touch `progress` while `endOfBody` mutates it (a class
        // property, so overlapping accesses trap at run time).
        var tail: [ChatEvent] = []
        guard progress.decoder.endOfBody(emit: { tail.append($0) }) else {
            ended = true
            throw endpoint.cutFailure()
        }
        progress.events = tail
    }

    /// Reads what little follows the terminator so the connection can be reused: what is already in at once,
    /// the rest (rare: the body's end came later than the terminator) by a task. Failures no longer matter.
    @inline(never)
    private func drain() {
        var drained = 0
        reading: while !progress.bodyEnded, drained < 64 * 1024 {
            switch try? iterator.nextIfReady() {
            case .chunk(let chunk): drained += chunk.count
            case .end: progress.bodyEnded = true
            case .notYet: break reading
            case nil: return  // the transfer failed: no connection to keep
            }
        }
        guard !progress.bodyEnded, drained < 64 * 1024 else { return }
        let body = self.body
        Task {
            var iterator = body.makeAsyncIterator()
            var drained = 0
            while drained < 64 * 1024, let chunk = try? await iterator.next() {
                drained += chunk.count
            }
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
