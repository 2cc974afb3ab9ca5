import MRStore
import Synchronization

/// Keeps `/readyz` cheap and honest: a background task reads the store every `interval`, and `/readyz`
/// answers from the last result on the libmicrohttpd thread. A check older than `staleAfter` (the loop is
/// stuck, e.g. every reader is blocked) counts as not ready, and so does a server that is shutting down.
public final class ReadinessMonitor: Sendable {
    private struct State {
        var reachable = false
        var checkedAt: ContinuousClock.Instant?
        var stopping = false
        var loop: Task<Void, Never>?
    }

    private let store: Store
    private let interval: Duration
    private let staleAfter: Duration
    private let state = Mutex(State())

    public init(store: Store, interval: Duration = .seconds(1), staleAfter: Duration = .seconds(5)) {
        self.store = store
        self.interval = interval
        self.staleAfter = staleAfter
    }

    /// Runs the first check before returning (so a fresh server is ready at once), then one per interval.
    public func start() async {
        await check()
        let loop = Task { [interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await self.check()
            }
        }
        state.withLock { $0.loop = loop }
    }

    /// From now on not ready (graceful shutdown: load balancers stop sending), and the loop ends.
    public func stop() {
        let loop = state.withLock { state -> Task<Void, Never>? in
            state.stopping = true
            defer { state.loop = nil }
            return state.loop
        }
        loop?.cancel()
    }

    /// Why the service is not ready, or nil when it is.
    public func notReadyReason(now: ContinuousClock.Instant = .now) -> String? {
        let snapshot = state.withLock { ($0.reachable, $0.checkedAt, $0.stopping) }
        if snapshot.2 { return "the server is shutting down" }
        guard let checkedAt = snapshot.1, now - checkedAt <= staleAfter else {
            return "the store has not answered a check recently"
        }
        return snapshot.0 ? nil : "the database is not reachable"
    }

    private func check() async {
        let reachable = await store.isReachable()
        state.withLock {
            $0.reachable = reachable
            $0.checkedAt = .now
        }
    }
}
