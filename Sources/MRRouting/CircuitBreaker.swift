/// A per-deployment circuit breaker fed by real traffic (SPEC "Passive health"), as a pure value.
///
/// - `closed`: calls go through. `failureThreshold` consecutive failures open it; a permanent failure
///   (`auth_error`, `not_found`) opens it at once, with the longer `permanentCoolDown`.
/// - `open`: calls are skipped until the cool-down has passed.
/// - `halfOpen`: once the cool-down has passed, exactly one call (the trial) may go; its success closes the
///   circuit, its failure opens it again for twice the previous cool-down (up to `maxCoolDown`). A trial that
///   ends neutral (rate limited, cancelled) frees the slot for the next caller.
///
/// Times are passed in, so every transition can be tested without a clock.
public struct CircuitBreaker: Sendable, Hashable {
    /// When to open and for how long.
    public struct Policy: Sendable, Hashable {
        /// Consecutive traffic failures that open the circuit.
        public var failureThreshold: Int
        /// The first cool-down after opening.
        public var coolDown: Duration
        /// The longest cool-down repeated trial failures can reach.
        public var maxCoolDown: Duration
        /// The cool-down after a permanent failure (a fixed key or a restored model is rare, so trials are rare).
        public var permanentCoolDown: Duration

        public init(
            failureThreshold: Int = 2, coolDown: Duration = .seconds(30), maxCoolDown: Duration = .seconds(300),
            permanentCoolDown: Duration = .seconds(300)
        ) {
            self.failureThreshold = max(1, failureThreshold)
            self.coolDown = coolDown
            self.maxCoolDown = max(coolDown, maxCoolDown)
            self.permanentCoolDown = permanentCoolDown
        }
    }

    /// The breaker's own state.
    public enum State: Sendable, Hashable {
        case closed
        /// Skipped until `until`, then half-open. `coolDown` is the pause that was applied.
        case open(until: ContinuousClock.Instant, coolDown: Duration)
        /// The cool-down passed; `trialInFlight` tells whether the one trial call has been handed out.
        case halfOpen(trialInFlight: Bool, lastCoolDown: Duration)
    }

    /// What a caller may do right now.
    public enum Gate: Sendable, Hashable {
        /// Calls go through.
        case closed
        /// One trial call may go (the cool-down passed).
        case trial
        /// Skip: open for `remaining`, or a trial is already in flight (`remaining` zero).
        case open(remaining: Duration)

        /// Whether a call may be made.
        public var admits: Bool { !isOpen }

        /// Whether the circuit refuses calls.
        public var isOpen: Bool {
            if case .open = self { return true }
            return false
        }
    }

    public let policy: Policy
    public private(set) var state: State = .closed
    /// Traffic failures in a row (reset by a success).
    public private(set) var consecutiveFailures = 0

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// The gate at `now`, without changing anything.
    public func gate(at now: ContinuousClock.Instant) -> Gate {
        switch state {
        case .closed: return .closed
        case .open(let until, _): return now >= until ? .trial : .open(remaining: until - now)
        case .halfOpen(let inFlight, _): return inFlight ? .open(remaining: .zero) : .trial
        }
    }

    /// Asks to make a call at `now`: true when it may go. Hands out the trial slot when half-open.
    public mutating func admit(at now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until, let coolDown):
            guard now >= until else { return false }
            state = .halfOpen(trialInFlight: true, lastCoolDown: coolDown)
            return true
        case .halfOpen(let inFlight, let coolDown):
            guard !inFlight else { return false }
            state = .halfOpen(trialInFlight: true, lastCoolDown: coolDown)
            return true
        }
    }

    /// A call succeeded: the circuit closes.
    public mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
    }

    /// A call failed at `now`. Returns true when this opened the circuit. `forceOpen` opens a closed circuit
    /// whatever the count (the deployment's state went `down` because of it).
    @discardableResult
    public mutating func recordFailure(at now: ContinuousClock.Instant, permanent: Bool, forceOpen: Bool = false)
        -> Bool
    {
        consecutiveFailures += 1
        switch state {
        case .halfOpen(_, let last):
            let next = permanent ? policy.permanentCoolDown : min(last * 2, policy.maxCoolDown)
            state = .open(until: now + next, coolDown: next)
            return true
        case .open(let until, let coolDown):
            // A last-resort call went through an open circuit and failed: keep it open at least as long.
            let next = permanent ? max(coolDown, policy.permanentCoolDown) : coolDown
            state = .open(until: max(until, now + next), coolDown: next)
            return false
        case .closed:
            guard permanent || forceOpen || consecutiveFailures >= policy.failureThreshold else { return false }
            let coolDown = permanent ? policy.permanentCoolDown : policy.coolDown
            state = .open(until: now + coolDown, coolDown: coolDown)
            return true
        }
    }

    /// A call ended without saying anything about the deployment's health (rate limited, cancelled by the
    /// client): a trial slot it held is given back.
    public mutating func recordNeutral() {
        if case .halfOpen(true, let coolDown) = state {
            state = .halfOpen(trialInFlight: false, lastCoolDown: coolDown)
        }
    }
}
