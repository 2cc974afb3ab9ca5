import Synchronization

/// Sends the heartbeats of one daemon's open streams from a single task, instead of a sleeping task and timer per
/// stream (5,000 open streams held 5,000 of each). A stream quiet for its heartbeat interval gets the heartbeat
/// within half an interval more (at most `resolution` more); the task runs only while some stream has a heartbeat.
final class HeartbeatSweeper: Sendable {
    private struct Entry {
        let stream: ResponseStream
        let heartbeat: HTTPStreamBody.Heartbeat
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var running = false
        var stopped = false
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let resolution: Duration
    private let executor: (any TaskExecutor)?

    /// - Parameter executor: where the sweeps run (the daemon's event loop, so its resumes need no wake-up).
    init(resolution: Duration = .seconds(1), executor: (any TaskExecutor)?) {
        self.resolution = resolution
        self.executor = executor
    }

    func add(_ stream: ResponseStream, heartbeat: HTTPStreamBody.Heartbeat) {
        let start = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.entries[ObjectIdentifier(stream)] = Entry(stream: stream, heartbeat: heartbeat)
            defer { state.running = true }
            return !state.running
        }
        guard start else { return }
        let task = Task(executorPreference: executor) { [self] in await run() }
        state.withLock { $0.task = task }
    }

    func remove(_ stream: ResponseStream) {
        state.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(stream)) }
    }

    /// Ends the sweeps for good (server shutdown).
    func stop() {
        let task = state.withLock { state in
            state.stopped = true
            state.entries.removeAll()
            return state.task
        }
        task?.cancel()
    }

    private func run() async {
        while !Task.isCancelled {
            // Half the shortest interval, so no stream stays quiet much past its own.
            let tick = state.withLock { state -> Duration? in
                guard let shortest = state.entries.values.map(\.heartbeat.interval).min() else {
                    state.running = false
                    return nil
                }
                return min(resolution, shortest / 2)
            }
            guard let tick else { return }
            do { try await Task.sleep(for: tick) } catch { return }
            sweep(at: .now)
        }
    }

    private func sweep(at now: ContinuousClock.Instant) {
        let entries = state.withLock { Array($0.entries.values) }
        var closed: [ObjectIdentifier] = []
        for entry in entries {
            if entry.stream.isClosed {
                closed.append(ObjectIdentifier(entry.stream))
            } else if now >= entry.stream.lastWrite + entry.heartbeat.interval {
                entry.stream.sendHeartbeat(entry.heartbeat.bytes)
            }
        }
        if !closed.isEmpty {
            state.withLock { state in for id in closed { state.entries.removeValue(forKey: id) } }
        }
    }
}
