import Synchronization

/// Time as ``ProviderRateLimiter`` sees it: the current instant and a cancellable sleep. Production uses
/// ``SystemRateLimiterClock``; tests step a ``ManualRateLimiterClock`` so no test waits on real time.
package protocol RateLimiterClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline`, or throws `CancellationError` when the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

/// The continuous (monotonic) system clock.
package struct SystemRateLimiterClock: RateLimiterClock {
    package init() {}

    package var now: ContinuousClock.Instant { .now }

    package func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}

/// A clock that moves only when told to (``advance(by:)``), for tests of anything that waits on time.
/// Sleepers whose deadline is reached are resumed by the `advance` call itself.
package final class ManualRateLimiterClock: RateLimiterClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    /// A clock showing `start` until advanced.
    package init(start: ContinuousClock.Instant = .now) {
        state = Mutex(State(now: start))
    }

    package var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// How many sleeps are pending (tests await this to know a timer is armed).
    package var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    package func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    package func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let isDue = state.withLock { state in
                    guard deadline > state.now else { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if isDue { continuation.resume() }
                // The cancellation handler may have run before the sleeper was registered.
                if Task.isCancelled { cancel(id) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func cancel(_ id: UInt64) {
        let sleeper: Sleeper? = state.withLock { state in
            guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
            return state.sleepers.remove(at: index)
        }
        sleeper?.continuation.resume(throwing: CancellationError())
    }
}
