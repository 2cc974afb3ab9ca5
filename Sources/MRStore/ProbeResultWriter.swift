import Logging
import Synchronization

/// Writes probe results and state changes to the store in batches, off the probe path.
///
/// `submit` only appends to a bounded in-memory queue under a short lock: it never waits for the disk,
/// never throws and never fails a probe. A background task writes the queue in transactions of up to
/// `maxBatch` items (results and events together, roll-ups included), once `flushInterval` has passed since
/// the oldest waiting item, or at once when `maxBatch` items wait or someone flushes. When the queue holds
/// `capacity` items (the disk is that far behind), further items are dropped, counted and logged: memory
/// stays bounded and probes go on. A failed transaction is retried twice (after 100 ms and 500 ms), then
/// its items are dropped and counted the same way.
///
/// Committed batches are durable as SQLite makes them (WAL, `synchronous=NORMAL`): they survive the
/// process being killed; what was still queued does not. Call `close()` at shutdown (it flushes).
public final class ProbeResultWriter: Sendable {
    private let core: WriterCore
    private let task: Task<Void, Never>

    /// The default largest transaction. Large, so that a backlog drains fast: a batch costs one roll-up
    /// update per deployment-hour it touches, whatever its size (about 4× the throughput of 1,000).
    public static let defaultMaxBatch = 10_000

    /// Starts the background writer.
    public init(
        store: Store, flushInterval: Duration = .milliseconds(100), maxBatch: Int = defaultMaxBatch,
        capacity: Int = 100_000, logger: Logger
    ) {
        let core = WriterCore(
            store: store, flushInterval: flushInterval, maxBatch: max(1, maxBatch), capacity: max(1, capacity),
            logger: logger)
        self.core = core
        task = Task { await core.run() }
    }

    deinit {
        // Without close() the queue is still written, then the task ends.
        core.requestClose()
    }

    /// Queues a result. Never blocks or throws; an invalid record (unknown status, empty or oversized ids)
    /// is dropped and counted like an overflow.
    public func submit(_ record: ProbeResultRecord) {
        do {
            core.enqueue(.result(try Store.validated(record)))
        } catch {
            core.reject(what: "result", error)
        }
    }

    /// Queues a state change, written in the same transactions as the results.
    public func submit(event: DeploymentEventRecord) {
        do {
            core.enqueue(.event(try Store.validated(event)))
        } catch {
            core.reject(what: "event", error)
        }
    }

    /// Items dropped so far: queue full, invalid, submitted after `close()`, or lost to a failing disk.
    public var droppedCount: Int { core.droppedCount }

    /// Items queued and not yet committed.
    public var pendingCount: Int { core.pendingCount }

    /// Returns once everything submitted before the call is committed (or dropped after failing).
    public func flush() async {
        await core.flush()
    }

    /// Flushes, then stops the background task; later submissions are dropped. Idempotent.
    public func close() async {
        core.requestClose()
        await task.value
    }
}

/// The writer's state and loop; owned by the background task so that it ends when the writer goes away.
private final class WriterCore: Sendable {
    enum Item: Sendable {
        case result(ValidatedProbeResult)
        case event(ValidatedDeploymentEvent)
    }

    private struct State {
        /// Items submitted and not yet taken by the loop, oldest first; the loop swaps the whole array out,
        /// so neither side ever holds the lock for more than a few instructions.
        var incoming: [Item] = []
        /// When the oldest of `incoming` arrived.
        var oldestIncoming: ContinuousClock.Instant?
        /// Items the loop has taken and not yet completed.
        var held = 0
        /// Items accepted so far, and how many of them are done (committed or given up), in order.
        var submitted: UInt64 = 0
        var completed: UInt64 = 0
        /// Write without waiting for the interval until `completed` reaches this.
        var flushTarget: UInt64 = 0
        var flushWaiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var dropped = 0
        var closing = false
        /// The loop waits for work with no deadline: the next item must wake it.
        var loopIdle = false
    }

    let store: Store
    let flushInterval: Duration
    let maxBatch: Int
    let capacity: Int
    let logger: Logger
    private let state = Mutex(State())
    private let doorbell = Doorbell()

    init(store: Store, flushInterval: Duration, maxBatch: Int, capacity: Int, logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.maxBatch = maxBatch
        self.capacity = capacity
        self.logger = logger
    }

    var droppedCount: Int { state.withLock { $0.dropped } }
    var pendingCount: Int { state.withLock { Int($0.submitted - $0.completed) } }

    // MARK: Producers

    func enqueue(_ item: Item) {
        enum Outcome { case queued(ring: Bool), dropped(total: Int, closing: Bool) }
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing, state.incoming.count + state.held < capacity else {
                state.dropped += 1
                return .dropped(total: state.dropped, closing: state.closing)
            }
            state.incoming.append(item)
            state.submitted += 1
            if state.incoming.count == 1 { state.oldestIncoming = .now }
            // Wake the loop when it sleeps with nothing to do, or when a full batch is ready.
            let ring = state.loopIdle || state.incoming.count + state.held == maxBatch
            state.loopIdle = false
            return .queued(ring: ring)
        }
        switch outcome {
        case .queued(let ring):
            if ring { doorbell.ring() }
        case .dropped(let total, let closing):
            // The first drop and every 10,000th after it: a full queue must not flood the log too.
            if total == 1 || total % 10_000 == 0 {
                logger.warning(
                    "probe writer: dropping results",
                    metadata: ["dropped_total": "\(total)", "reason": "\(closing ? "closed" : "queue full")"])
            }
        }
    }

    func reject(what: String, _ error: StoreError) {
        let total = state.withLock { state in
            state.dropped += 1
            return state.dropped
        }
        logger.warning(
            "probe writer: invalid \(what) dropped",
            metadata: ["error": "\(error.detail)", "dropped_total": "\(total)"])
    }

    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                guard state.completed < state.submitted else { return true }
                state.flushTarget = max(state.flushTarget, state.submitted)
                state.flushWaiters.append((state.submitted, continuation))
                return false
            }
            if done {
                continuation.resume()
            } else {
                doorbell.ring()
            }
        }
    }

    func requestClose() {
        state.withLock { $0.closing = true }
        doorbell.ring()
    }

    // MARK: The loop

    /// Takes what producers queued into a backlog of its own, and writes it in batches of up to
    /// `maxBatch`: once the oldest item has waited `flushInterval`, or at once when a full batch is ready,
    /// a flush is waiting or the writer is closing. Ends when closing and everything is written.
    func run() async {
        var backlog: [Item] = []
        var position = 0
        var due: ContinuousClock.Instant?
        var spare: [Item] = []
        while true {
            let (closing, flushing, oldest) = state.withLock { state in
                let oldest = state.oldestIncoming
                if !state.incoming.isEmpty {
                    swap(&state.incoming, &spare)
                    state.held += spare.count
                    state.oldestIncoming = nil
                }
                return (state.closing, state.completed < state.flushTarget, oldest)
            }
            if !spare.isEmpty {
                if position == backlog.count {
                    backlog.removeAll(keepingCapacity: true)
                    position = 0
                    swap(&backlog, &spare)
                    due = oldest.map { $0 + flushInterval }
                } else {
                    // The backlog is older, so its deadline stands.
                    backlog.removeFirst(position)
                    position = 0
                    backlog.append(contentsOf: spare)
                    spare.removeAll(keepingCapacity: true)
                }
            }
            let remaining = backlog.count - position
            if remaining == 0 {
                if closing { return }
                let idle = state.withLock { state in
                    // Checked again under the lock: an item may have come since the swap.
                    guard state.incoming.isEmpty else { return false }
                    state.loopIdle = true
                    return true
                }
                if idle { await doorbell.wait(timeout: nil) }
                continue
            }
            let deadline = due ?? .now
            if !(closing || flushing || remaining >= maxBatch) && ContinuousClock.now < deadline {
                await doorbell.wait(timeout: deadline - .now)
                continue
            }
            let count = min(maxBatch, remaining)
            let batch = Array(backlog[position..<(position + count)])
            position += count
            await write(batch)
            let waiters = state.withLock { state in
                state.completed += UInt64(count)
                state.held -= count
                let ready = state.flushWaiters.filter { $0.target <= state.completed }
                state.flushWaiters.removeAll { $0.target <= state.completed }
                return ready
            }
            for waiter in waiters { waiter.continuation.resume() }
        }
    }

    private func write(_ items: [Item]) async {
        var results: [ValidatedProbeResult] = []
        var events: [ValidatedDeploymentEvent] = []
        results.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .result(let result): results.append(result)
            case .event(let event): events.append(event)
            }
        }
        let pauses: [Duration] = [.milliseconds(100), .milliseconds(500)]
        for attempt in 0...pauses.count {
            do {
                try await store.insertProbeBatch(results: results, events: events)
                return
            } catch {
                // A refused value or a closed store will not get better by waiting.
                let hopeless = error.isInvalidInput || error.sqliteError?.isClosed == true
                if hopeless || attempt == pauses.count {
                    let total = state.withLock { state in
                        state.dropped += items.count
                        return state.dropped
                    }
                    logger.error(
                        "probe writer: batch lost",
                        metadata: ["items": "\(items.count)", "error": "\(error.detail)", "dropped_total": "\(total)"])
                    return
                }
                logger.warning("probe writer: batch failed, retrying", metadata: ["error": "\(error.detail)"])
                try? await Task.sleep(for: pauses[attempt])
            }
        }
    }
}

/// Wakes the writer's loop: `ring()` from any thread, `wait(timeout:)` from the loop. A ring while nobody
/// waits is remembered for the next wait; spurious wake-ups are harmless (the loop re-checks its state).
private final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when rung, or after `timeout` (nil: no timeout).
    func wait(timeout: Duration?) async {
        guard let timeout else { return await waitForRing() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForRing() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
