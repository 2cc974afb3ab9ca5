import MRCatalog
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a batch run says when it starts (SSE `start`).
public struct ProbeBatchInfo: Sendable, Hashable {
    public var runID: Int64
    /// `schedule` or `manual`.
    public var trigger: String
    public var total: Int
    public var workers: Int
    public var delay: Duration
    public var timeout: Duration
    public var startedAt: Date
}

/// How a batch run ended (SSE `done`).
public struct ProbeBatchSummary: Sendable, Hashable {
    public var runID: Int64
    /// Results per status (`ok`, `degraded`, …).
    public var summary: [String: Int]
    public var duration: Duration
    /// `finished`, or `cancelled` when shutdown or a stop cut it short.
    public var outcome: String
    public var finishedAt: Date
}

/// One event of a batch run, in order: `start`, one `result` per deployment, `done`.
public enum ProbeBatchEvent: Sendable, Hashable {
    case start(ProbeBatchInfo)
    case result(ProbeResult)
    case done(ProbeBatchSummary)
}

/// A running (or finished) batch as its listeners see it: every event so far, replayed to anyone who
/// joins late, then the live ones. This is how a second request during a run "gets its own stream of the
/// running batch".
public final class ProbeBatch: Sendable {
    private struct State {
        var events: [ProbeBatchEvent] = []
        var finished = false
        var listeners: [UUID: AsyncStream<ProbeBatchEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Whether `done` was sent.
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Every event so far.
    public var events: [ProbeBatchEvent] { state.withLock { $0.events } }

    /// The run's id, once it has started.
    public var info: ProbeBatchInfo? {
        state.withLock { state in
            if case .start(let info)? = state.events.first { return info }
            return nil
        }
    }

    /// The events from the beginning: those already sent, then the rest as they happen; the stream ends
    /// after `done`. The buffer is unbounded on purpose: a batch has at most one event per deployment.
    public func listen() -> AsyncStream<ProbeBatchEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ProbeBatchEvent.self)
        let key = UUID()
        let (past, finished) = state.withLock { state in
            if !state.finished { state.listeners[key] = continuation }
            return (state.events, state.finished)
        }
        for event in past { continuation.yield(event) }
        if finished {
            continuation.finish()
        } else {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.listeners.removeValue(forKey: key) }
            }
        }
        return stream
    }

    /// Appends an event and tells every listener; `done` ends their streams.
    func send(_ event: ProbeBatchEvent) {
        let isDone: Bool
        if case .done = event { isDone = true } else { isDone = false }
        let listeners = state.withLock { state -> [AsyncStream<ProbeBatchEvent>.Continuation] in
            guard !state.finished else { return [] }
            state.events.append(event)
            state.finished = isDone
            let listeners = Array(state.listeners.values)
            if isDone { state.listeners.removeAll() }
            return listeners
        }
        for listener in listeners {
            listener.yield(event)
            if isDone { listener.finish() }
        }
    }
}
