import MRProviders
import Synchronization

/// A routed chat stream after its first event: the events in order, ending normally only after the
/// answer's `finish`. Any failure from here on is thrown by ``next()`` as a ``RoutingError`` (the caller
/// reports it as an SSE `error` event, never as a fake `done`), and is recorded against the deployment.
///
/// One consumer at a time. ``close()`` (call it in a `defer`) records a client that left as neither success
/// nor failure and cancels the upstream transfer.
package final class ChatSession: @unchecked Sendable {
    // @unchecked: the mutable fields are used by the one task that consumes the session, in sequence;
    // `closed` is atomic-ish under a Mutex because `close()` may come from a `defer` after a cancellation.
    package let trace: RouteTrace
    /// From the request's arrival to the first event.
    package let ttft: Duration
    private let service: ChatService
    private let request: RoutedChatRequest
    private let candidate: RouteCandidate
    private let attempt: Int
    private let startedAt: ContinuousClock.Instant
    private let upstreamTTFT: Duration
    private var iterator: ChatStream.Iterator?
    private var pendingFirst: ChatEvent?
    private let done = Mutex(false)

    /// The finish reason (normalised), once the answer finished.
    package private(set) var finishReason: String?
    /// Token counts, when the provider sent them.
    package private(set) var usage: Usage?
    /// Characters of text received (for logs).
    package private(set) var textLength = 0

    init(service: ChatService, opened: ChatService.Attempted<OpenedStream>, request: RoutedChatRequest) {
        self.service = service
        self.request = request
        self.trace = opened.trace
        self.candidate = opened.candidate
        self.attempt = opened.attempt
        self.startedAt = opened.startedAt
        self.upstreamTTFT = opened.value.ttft
        self.ttft = opened.startedAt + opened.value.ttft - request.receivedAt
        self.iterator = opened.value.iterator
        self.pendingFirst = opened.value.first
    }

    deinit {
        close()
    }

    /// The next event; nil once the answer is complete. Throws when the call fails after its first event.
    package func next() async throws(RoutingError) -> ChatEvent? {
        if let first = pendingFirst {
            pendingFirst = nil
            note(first)
            return first
        }
        guard var current = iterator else { return nil }
        let event: ChatEvent?
        do {
            event = try await current.next()
            iterator = current
        } catch {
            iterator = nil
            throw fail(error)
        }
        guard let event else {
            iterator = nil
            try ended()
            return nil
        }
        note(event)
        return event
    }

    private func note(_ event: ChatEvent) {
        switch event {
        case .token(let text): textLength += text.utf8.count
        case .usage(let usage): self.usage = usage
        case .finish(let reason): finishReason = FinishReason.normalized(reason)
        }
    }

    /// Ends the session early (the client left): neither a success nor a failure of the deployment; the
    /// upstream transfer is cancelled when the iterator goes. Idempotent; a no-op after the end.
    package func close() {
        guard markDone() else { return }
        iterator = nil
        service.record(
            failure: .cancelled, candidate: candidate, endpoint: .chat, attempt: attempt, startedAt: startedAt,
            ttft: upstreamTTFT, midStream: true)
        service.recordUsage(
            request.usage, endpoint: .chat, candidate: candidate, outcome: "CANCELLED", attempts: attempt,
            usage: usage, cost: trace.cost(of: usage), latency: .now - request.receivedAt, ttft: ttft)
    }

    /// The upstream stream ended: a success only when the answer finished. Out of line, like the other
    /// recording steps: the consuming task keeps ``next()``'s frame for the stream's life.
    @inline(never)
    private func ended() throws(RoutingError) {
        // A cancelled consumer sees the stream end rather than an error.
        if Task.isCancelled { throw fail(CancellationError()) }
        guard finishReason != nil else {
            throw fail(ProviderError(kind: .error, message: "stream cut: the answer ended without a finish"))
        }
        succeed()
    }

    @inline(never)
    private func succeed() {
        guard markDone() else { return }
        service.recordSuccess(
            candidate: candidate, endpoint: .chat, attempt: attempt, startedAt: startedAt, ttft: upstreamTTFT,
            usage: usage)
        service.recordUsage(
            request.usage, endpoint: .chat, candidate: candidate, outcome: "ok", attempts: attempt, usage: usage,
            cost: trace.cost(of: usage), latency: .now - request.receivedAt, ttft: ttft)
    }

    @inline(never)
    private func fail(_ error: any Error) -> RoutingError {
        let failure = ChatService.providerError(error)
        let routing =
            failure.kind == .cancelled
            ? RoutingError.cancelled
            : RoutingError(
                kind: failure.kind == .timeout ? .upstreamTimeout : .upstreamError,
                detail: "\(candidate.id) failed after the answer started: \(failure.description)", attempts: attempt)
        guard markDone() else { return routing }
        service.record(
            failure: failure, candidate: candidate, endpoint: .chat, attempt: attempt, startedAt: startedAt,
            ttft: upstreamTTFT, midStream: true)
        service.recordUsage(
            request.usage, endpoint: .chat, candidate: candidate, outcome: routing.errorCode, attempts: attempt,
            usage: usage, cost: trace.cost(of: usage), latency: .now - request.receivedAt, ttft: ttft)
        return routing
    }

    /// True the first time: the session's outcome is recorded exactly once.
    private func markDone() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
