import Synchronization

/// A one-shot event tests can await instead of sleeping: some code fires it, the test waits for it
/// with a deadline.
public final class TestSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public var isFired: Bool { state.withLock { $0.fired } }

    public func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// True when fired within `timeout`.
    public func wait(timeout: Duration = .seconds(10)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.state.withLock { state -> Bool in
                        if state.fired { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first { self.fire() }  // release the waiting child so the group can finish
            group.cancelAll()
            return first
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes, for state that has no event to await.
public func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// A counter shareable across tasks and callbacks.
public final class TestCounter: Sendable {
    private let value = Mutex(0)
    public init() {}
    public func add(_ amount: Int = 1) { value.withLock { $0 += amount } }
    public var count: Int { value.withLock { $0 } }
}
