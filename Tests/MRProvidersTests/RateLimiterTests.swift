import Synchronization
import Testing

@testable import MRProviders

/// Waits (polling, 1 ms apart) until `condition` holds; false after `timeout`.
private func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}

/// What the waiters got, in order.
private final class GrantLog: Sendable {
    private let entries = Mutex<[String]>([])
    var all: [String] { entries.withLock { $0 } }
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
}

@Suite struct RateLimiterTests {
    let clock = ManualRateLimiterClock()

    /// A limiter of one token a second, emptied.
    func emptiedLimiter(burst: Int = 1) -> ProviderRateLimiter {
        let limiter = ProviderRateLimiter(rpm: 60, burst: burst, clock: clock)
        for _ in 0..<burst { #expect(limiter.tryAcquire(priority: .traffic) == .granted) }
        #expect(limiter.tryAcquire(priority: .traffic) == .wait(.seconds(1)))
        return limiter
    }

    /// A task that logs `name` when granted and `name:cancelled` when it gives up. Tests watch the log
    /// (with a time limit) instead of awaiting the task, so a wrong order fails instead of hanging.
    @discardableResult
    fileprivate func waiter(
        _ limiter: ProviderRateLimiter, _ priority: ProviderRateLimiter.Priority, _ name: String, log: GrantLog
    ) -> Task<Void, Never> {
        Task {
            do {
                try await limiter.acquire(priority: priority)
                log.append(name)
            } catch {
                log.append(name + ":cancelled")
            }
        }
    }

    @Test func trafficIsServedBeforeProbesThatWaitedLonger() async throws {
        let limiter = emptiedLimiter()
        let log = GrantLog()
        let probe = waiter(limiter, .probe, "probe", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .probe) == 1 && clock.sleeperCount == 1 })
        let traffic = waiter(limiter, .traffic, "traffic", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .traffic) == 1 })

        clock.advance(by: .seconds(1))
        #expect(await eventually { !log.all.isEmpty })
        #expect(log.all == ["traffic"])
        #expect(limiter.waitingCount(priority: .probe) == 1)

        #expect(await eventually { clock.sleeperCount >= 1 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { log.all.count == 2 })
        #expect(log.all == ["traffic", "probe"])
        probe.cancel()
        traffic.cancel()
    }

    @Test func waitersOfOnePriorityAreServedInArrivalOrder() async throws {
        let limiter = emptiedLimiter()
        let log = GrantLog()
        var tasks: [Task<Void, Never>] = []
        for index in 0..<3 {
            tasks.append(waiter(limiter, .traffic, "t\(index)", log: log))
            #expect(await eventually { limiter.waitingCount(priority: .traffic) == index + 1 })
        }
        for served in 1...3 {
            #expect(await eventually { clock.sleeperCount >= 1 })
            clock.advance(by: .seconds(1))
            #expect(await eventually { log.all.count == served })
        }
        #expect(log.all == ["t0", "t1", "t2"])
        for task in tasks { task.cancel() }
    }

    @Test func aProbeNeverTakesTheLastToken() async throws {
        let limiter = ProviderRateLimiter(rpm: 60, burst: 3, probeReserve: 1, clock: clock)
        #expect(limiter.tryAcquire(priority: .probe) == .granted)
        #expect(limiter.tryAcquire(priority: .probe) == .granted)
        #expect(limiter.tryAcquire(priority: .probe) == .wait(.seconds(1)))

        // A probe waits while one token is left; traffic takes that token straight away.
        let log = GrantLog()
        let probe = waiter(limiter, .probe, "probe", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .probe) == 1 })
        #expect(limiter.tryAcquire(priority: .traffic) == .granted)
        #expect(limiter.tryAcquire(priority: .traffic) == .wait(.seconds(1)))

        // The probe needs two tokens in the bucket before it takes one: one refill later the limiter
        // looks again and re-arms its timer instead of granting.
        #expect(await eventually { clock.sleeperCount >= 1 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { clock.sleeperCount >= 1 })
        #expect(limiter.waitingCount(priority: .probe) == 1)
        #expect(log.all.isEmpty)
        clock.advance(by: .seconds(1))
        #expect(await eventually { !log.all.isEmpty })
        #expect(log.all == ["probe"])
        probe.cancel()
    }

    @Test func tryAcquireDoesNotJumpTheQueue() async throws {
        let limiter = emptiedLimiter()
        let log = GrantLog()
        let task = waiter(limiter, .traffic, "traffic", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .traffic) == 1 })
        // One waiter ahead: its token first, then ours.
        #expect(limiter.tryAcquire(priority: .traffic) == .wait(.seconds(2)))
        #expect(limiter.tryAcquire(priority: .probe) == .wait(.seconds(2)))
        #expect(await eventually { clock.sleeperCount >= 1 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { log.all == ["traffic"] })
        task.cancel()
    }

    @Test func cancellingAWaiterRemovesItAndLeaksNoToken() async throws {
        let limiter = emptiedLimiter()
        let log = GrantLog()
        let cancelled = waiter(limiter, .traffic, "cancelled", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .traffic) == 1 })
        cancelled.cancel()
        #expect(await eventually { log.all == ["cancelled:cancelled"] })
        #expect(limiter.waitingCount(priority: .traffic) == 0)

        clock.advance(by: .seconds(1))
        // The token that came back is there for the next caller.
        #expect(limiter.tryAcquire(priority: .traffic) == .granted)
        #expect(limiter.tryAcquire(priority: .traffic) == .wait(.seconds(1)))
        #expect(log.all == ["cancelled:cancelled"])
    }

    @Test func cancellingTrafficLetsTheProbeBehindItGo() async throws {
        let limiter = emptiedLimiter()
        let log = GrantLog()
        let traffic = waiter(limiter, .traffic, "traffic", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .traffic) == 1 })
        let probe = waiter(limiter, .probe, "probe", log: log)
        #expect(await eventually { limiter.waitingCount(priority: .probe) == 1 })
        traffic.cancel()
        #expect(await eventually { log.all == ["traffic:cancelled"] })
        #expect(await eventually { clock.sleeperCount >= 1 })
        clock.advance(by: .seconds(1))
        #expect(await eventually { log.all.count == 2 })
        #expect(log.all == ["traffic:cancelled", "probe"])
        probe.cancel()
    }

    @Test func anAlreadyCancelledTaskTakesNothing() async throws {
        let limiter = ProviderRateLimiter(rpm: 60, burst: 1, clock: clock)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await limiter.acquire(priority: .traffic)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(limiter.tryAcquire(priority: .traffic) == .granted)
    }

    @Test func unlimitedNeverWaits() async throws {
        let limiter = ProviderRateLimiter(rpm: 0, clock: clock)
        for _ in 0..<1000 {
            try await limiter.acquire(priority: .probe)
            try await limiter.acquire(priority: .traffic)
        }
        #expect(limiter.tryAcquire(priority: .probe) == .granted)
        #expect(clock.sleeperCount == 0)
    }

    @Test func theSystemClockPacesRealWaiters() async throws {
        // 6000 rpm: a token every 10 ms, one at a time. Five acquires need at least four refills.
        let limiter = ProviderRateLimiter(rpm: 6000, burst: 1)
        let start = ContinuousClock.now
        for _ in 0..<5 { try await limiter.acquire(priority: .traffic) }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(40))
        #expect(elapsed < .seconds(60))  // a hang guard; the lower bound is what is tested
    }

    @Test func pausesHoldUntilTheyExpire() {
        let limiter = ProviderRateLimiter(rpm: 0, clock: clock)
        let deployment = "demo/demo/rate-limited"
        #expect(!limiter.isPaused(deployment: deployment))
        limiter.pause(deployment: deployment, for: .seconds(30))
        #expect(limiter.isPaused(deployment: deployment))
        #expect(limiter.pausedUntil(deployment: deployment) == clock.now + .seconds(30))
        #expect(!limiter.isPaused(deployment: "demo/demo/fast-chat"))

        clock.advance(by: .seconds(10))
        #expect(limiter.remainingPause(deployment: deployment) == .seconds(20))
        // A shorter pause does not cut the current one short; a longer one extends it.
        limiter.pause(deployment: deployment, for: .seconds(5))
        #expect(limiter.remainingPause(deployment: deployment) == .seconds(20))
        limiter.pause(deployment: deployment, for: .seconds(25))
        #expect(limiter.remainingPause(deployment: deployment) == .seconds(25))

        clock.advance(by: .seconds(25))
        #expect(!limiter.isPaused(deployment: deployment))
        #expect(limiter.pausedUntil(deployment: deployment) == nil)
        #expect(limiter.remainingPause(deployment: deployment) == nil)
    }

    @Test func resumeEndsAPauseEarly() {
        let limiter = ProviderRateLimiter(rpm: 0, clock: clock)
        limiter.pause(deployment: "d", for: .seconds(60))
        limiter.resume(deployment: "d")
        #expect(!limiter.isPaused(deployment: "d"))
    }

    @Test func pausesDoNotTouchTheBucket() {
        let limiter = ProviderRateLimiter(rpm: 60, burst: 1, clock: clock)
        limiter.pause(deployment: "d", for: .seconds(60))
        #expect(limiter.tryAcquire(priority: .traffic) == .granted)
    }
}
