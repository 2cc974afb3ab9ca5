import Synchronization

/// One provider's `rpm`, shared by real traffic and probes, traffic first (SPEC "Rate limits").
///
/// Rules:
/// - Waiting traffic is always served before waiting probes; among the same priority, first come first
///   served. A new probe also waits while any traffic waits.
/// - A probe takes a token only when at least `probeReserve` tokens remain after it (capped at
///   `capacity - 1`, see ``TokenBucket``), so a probe never takes the last token traffic could use.
/// - `acquire` honours cancellation: a cancelled waiter leaves the queue and takes nothing; if the grant
///   and the cancellation cross, the token is given back before `acquire` throws.
///
/// Separately it keeps per-deployment pauses: an upstream 429 with `Retry-After` pauses that deployment
/// (``pause(deployment:for:)``), so routing skips it and probes wait or skip, while the bucket goes on
/// pacing the provider as a whole.
package final class ProviderRateLimiter: Sendable {
    /// Who is asking.
    package enum Priority: Sendable, Hashable {
        case traffic
        case probe
    }

    /// Tokens a probe must leave behind.
    package let probeReserve: Int
    let clock: any RateLimiterClock
    let state: Mutex<State>

    struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    struct State {
        var bucket: TokenBucket
        var traffic: [Waiter] = []
        var probes: [Waiter] = []
        var nextID: UInt64 = 0
        /// The armed wake-up, if any; a later-armed earlier one supersedes it.
        var timer: (deadline: ContinuousClock.Instant, generation: UInt64)?
        var timerGeneration: UInt64 = 0
        var pauses: [String: ContinuousClock.Instant] = [:]
    }

    /// What to do once the lock is released.
    struct Effects {
        var grant: [CheckedContinuation<Bool, Never>] = []
        var refuse: [CheckedContinuation<Bool, Never>] = []
        var arm: (deadline: ContinuousClock.Instant, generation: UInt64)?
    }

    /// - Parameters:
    ///   - rpm: requests per minute; 0 = unlimited.
    ///   - burst: bucket capacity (default `rpm`, see ``TokenBucket/init(rpm:burst:)``).
    ///   - probeReserve: tokens a probe must leave for traffic (default 1).
    package init(
        rpm: Int, burst: Int? = nil, probeReserve: Int = 1, clock: any RateLimiterClock = SystemRateLimiterClock()
    ) {
        self.probeReserve = max(0, probeReserve)
        self.clock = clock
        state = Mutex(State(bucket: TokenBucket(rpm: rpm, burst: burst)))
    }

    /// A snapshot of the bucket (for status pages and tests).
    package var bucket: TokenBucket { state.withLock { $0.bucket } }

    /// How many callers of `priority` are waiting.
    package func waitingCount(priority: Priority) -> Int {
        state.withLock { priority == .traffic ? $0.traffic.count : $0.probes.count }
    }

    /// Waits for a token. Throws `CancellationError`, holding no token, when the task is cancelled.
    package func acquire(priority: Priority) async throws(CancellationError) {
        guard !Task.isCancelled else { throw CancellationError() }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = clock.now
                let effects = state.withLock { state in
                    if !state.hasQueue(ahead: priority),
                        state.bucket.take(now: now, reserve: reserve(for: priority)) == .granted
                    {
                        return Effects(grant: [continuation])
                    }
                    let waiter = Waiter(id: id, continuation: continuation)
                    if priority == .traffic { state.traffic.append(waiter) } else { state.probes.append(waiter) }
                    return serve(&state, now: now)
                }
                perform(effects)
                // The cancellation handler may have run before the waiter was queued.
                if Task.isCancelled { cancelWaiter(id) }
            }
        } onCancel: {
            cancelWaiter(id)
        }
        guard granted else { throw CancellationError() }
        if Task.isCancelled {
            let now = clock.now
            let effects = state.withLock { state in
                state.bucket.giveBack(now: now)
                return serve(&state, now: now)
            }
            perform(effects)
            throw CancellationError()
        }
    }

    /// Takes a token if one is free for `priority` right now, without waiting; otherwise takes nothing
    /// and estimates the wait (routing uses it to skip an exhausted provider).
    package func tryAcquire(priority: Priority) -> TokenBucket.Decision {
        let now = clock.now
        return state.withLock { state in
            let reserve = reserve(for: priority)
            let ahead = priority == .traffic ? state.traffic.count : state.traffic.count + state.probes.count
            guard ahead > 0 else { return state.bucket.take(now: now, reserve: reserve) }
            let first: Duration
            if case .wait(let wait) = state.bucket.decision(at: now, reserve: reserve) {
                first = wait
            } else {
                first = .zero
            }
            return .wait(first + state.bucket.interval * ahead)
        }
    }

    // MARK: Machinery

    func reserve(for priority: Priority) -> Int {
        priority == .probe ? probeReserve : 0
    }

    /// Grants waiters in order while tokens last; arms a wake-up for the first one left waiting.
    func serve(_ state: inout State, now: ContinuousClock.Instant) -> Effects {
        var effects = Effects()
        while true {
            let priority: Priority
            if !state.traffic.isEmpty {
                priority = .traffic
            } else if !state.probes.isEmpty {
                priority = .probe
            } else {
                break
            }
            switch state.bucket.take(now: now, reserve: reserve(for: priority)) {
            case .granted:
                let waiter = priority == .traffic ? state.traffic.removeFirst() : state.probes.removeFirst()
                effects.grant.append(waiter.continuation)
                continue
            case .wait(let wait):
                let deadline = now + wait
                if state.timer.map({ deadline < $0.deadline }) ?? true {
                    state.timerGeneration += 1
                    state.timer = (deadline, state.timerGeneration)
                    effects.arm = state.timer
                }
            }
            break
        }
        return effects
    }

    func perform(_ effects: Effects) {
        for continuation in effects.grant { continuation.resume(returning: true) }
        for continuation in effects.refuse { continuation.resume(returning: false) }
        guard let arm = effects.arm else { return }
        Task { [weak self, clock] in
            // A cancelled sleep cannot happen (nobody cancels this task); waking early is harmless anyway.
            try? await clock.sleep(until: arm.deadline)
            self?.timerFired(generation: arm.generation)
        }
    }

    private func timerFired(generation: UInt64) {
        let now = clock.now
        let effects = state.withLock { state in
            if state.timer?.generation == generation { state.timer = nil }
            return serve(&state, now: now)
        }
        perform(effects)
    }

    /// Removes a waiter that gave up; the queue behind it may now move (a probe behind cancelled traffic).
    private func cancelWaiter(_ id: UInt64) {
        let now = clock.now
        let effects = state.withLock { state in
            var effects = Effects()
            if let index = state.traffic.firstIndex(where: { $0.id == id }) {
                effects.refuse.append(state.traffic.remove(at: index).continuation)
            } else if let index = state.probes.firstIndex(where: { $0.id == id }) {
                effects.refuse.append(state.probes.remove(at: index).continuation)
            } else {
                return effects
            }
            let served = serve(&state, now: now)
            effects.grant = served.grant
            effects.arm = served.arm
            return effects
        }
        perform(effects)
    }
}

extension ProviderRateLimiter.State {
    /// Whether someone who must go first is already waiting.
    func hasQueue(ahead priority: ProviderRateLimiter.Priority) -> Bool {
        priority == .traffic ? !traffic.isEmpty : !(traffic.isEmpty && probes.isEmpty)
    }
}
