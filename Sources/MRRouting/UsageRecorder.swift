import Logging
import MRStore
import Synchronization

/// Collects one usage record per routed request and writes them in batches, off the request path: a
/// request only appends to an in-memory buffer under a lock; a background task writes the buffer every
/// `flushInterval` in one transaction. A slow or failing disk costs memory up to `maxBuffered` records
/// (then the oldest are dropped and counted), never request latency.
package final class UsageRecorder: Sendable {
    private struct State {
        var buffer: [UsageRecord] = []
        var dropped = 0
        var stopped = false
        var loop: Task<Void, Never>?

        /// Drops the oldest records past `limit`, counting each.
        mutating func dropOldest(beyond limit: Int) {
            let excess = buffer.count - limit
            guard excess > 0 else { return }
            buffer.removeFirst(excess)
            dropped += excess
        }
    }

    package let flushInterval: Duration
    package let maxBuffered: Int
    private let store: Store
    private let logger: Logger
    private let state = Mutex(State())

    package init(store: Store, flushInterval: Duration = .seconds(1), maxBuffered: Int = 100_000, logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.maxBuffered = max(1, maxBuffered)
        self.logger = logger
    }

    /// Starts the background writer (idempotent).
    package func start() {
        state.withLock { state in
            guard state.loop == nil, !state.stopped else { return }
            state.loop = Task { [self] in
                while true {
                    // Cancelled: `stop()` writes the rest, outside this cancelled task.
                    do { try await Task.sleep(for: flushInterval) } catch { return }
                    await flush()
                }
            }
        }
    }

    /// Buffers one record; never waits.
    package func record(_ record: UsageRecord) {
        state.withLock { state in
            guard !state.stopped else { return }
            state.buffer.append(record)
            state.dropOldest(beyond: maxBuffered)
        }
    }

    /// Records not yet written.
    package var pending: Int { state.withLock { $0.buffer.count } }

    /// Records dropped because the buffer was full.
    package var dropped: Int { state.withLock { $0.dropped } }

    /// Writes whatever is buffered now.
    package func flush() async {
        let batch = state.withLock { state -> [UsageRecord] in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.insertUsage(batch)
        } catch {
            // Kept for the next flush (the oldest give way first if the buffer fills meanwhile).
            let kept = state.withLock { state -> Int in
                state.buffer.insert(contentsOf: batch, at: 0)
                state.dropOldest(beyond: maxBuffered)
                return state.buffer.count
            }
            logger.warning(
                "usage: could not write \(batch.count) records, \(kept) kept for the next attempt: \(error.detail)")
        }
    }

    /// Stops the writer and writes what is left (at shutdown, before the store closes).
    package func stop() async {
        let task = state.withLock { state in
            state.stopped = true
            defer { state.loop = nil }
            return state.loop
        }
        task?.cancel()
        await task?.value
        await flush()
    }
}
