/// A provider's request budget (`rpm`) as a pure value: ask it at an instant, it answers granted or how
/// long to wait. Tested event by event with explicit instants; ``ProviderRateLimiter`` wraps it with
/// waiting, priorities and a clock.
///
/// The bucket holds up to `capacity` tokens and gains one every `interval`; a request takes one. It is
/// kept in GCRA form — the instant at which the bucket will be full again — so every answer is exact
/// `Duration` arithmetic, with no floating-point drift.
///
/// A `reserve` asks for headroom: the take succeeds only if at least `reserve` tokens remain after it.
/// Probes use it so they never take the last token real traffic could use. The reserve is capped at
/// `capacity - 1`, so even a bucket of one token serves probes (when it is full).
package struct TokenBucket: Sendable, Hashable {
    /// What the bucket answers.
    package enum Decision: Sendable, Hashable {
        /// A token was taken (or, for ``decision(at:reserve:)``, would be).
        case granted
        /// Not yet: the wait until the request would be granted, all else unchanged.
        case wait(Duration)
    }

    /// Most tokens the bucket holds: the largest burst.
    package let capacity: Int
    /// Time to regain one token; `.zero` means unlimited.
    package let interval: Duration
    /// When the bucket is full again; nil or past means full now.
    package private(set) var fullAt: ContinuousClock.Instant?

    /// A bucket of `capacity` tokens (at least 1) refilling one per `interval`; it starts full.
    package init(capacity: Int, interval: Duration) {
        self.capacity = max(1, capacity)
        self.interval = max(.zero, interval)
    }

    /// The bucket for a provider's `rpm`: one token every 60 s / rpm, bursts of up to `burst` (default: the
    /// whole minute's worth, matching an upstream's per-minute window). `rpm` 0 means unlimited.
    package init(rpm: Int, burst: Int? = nil) {
        guard rpm > 0 else {
            self.init(capacity: 1, interval: .zero)
            return
        }
        self.init(capacity: burst ?? rpm, interval: .seconds(60) / rpm)
    }

    /// Whether every request is granted.
    package var isUnlimited: Bool { interval == .zero }

    /// Tokens regained per second (infinite when unlimited).
    package var refillPerSecond: Double {
        isUnlimited ? .infinity : 1 / (interval / .seconds(1))
    }

    /// Tokens in the bucket at `now`, fractions included.
    package func available(at now: ContinuousClock.Instant) -> Double {
        guard !isUnlimited else { return .infinity }
        return Double(capacity) - debt(at: now) / interval
    }

    /// What ``take(now:reserve:)`` would answer at `now`, without taking anything.
    package func decision(at now: ContinuousClock.Instant, reserve: Int = 0) -> Decision {
        guard !isUnlimited else { return .granted }
        let excess = debt(at: now) - allowance(reserve: reserve)
        return excess > .zero ? .wait(excess) : .granted
    }

    /// Takes a token at `now` if one is there beyond `reserve`; otherwise changes nothing and says how
    /// long until it would be.
    package mutating func take(now: ContinuousClock.Instant, reserve: Int = 0) -> Decision {
        let decision = decision(at: now, reserve: reserve)
        if decision == .granted, !isUnlimited {
            fullAt = max(fullAt ?? now, now) + interval
        }
        return decision
    }

    /// Puts back a token taken at or before `now` and not used (its taker was cancelled).
    package mutating func giveBack(now: ContinuousClock.Instant) {
        guard !isUnlimited, let fullAt, fullAt > now else { return }
        self.fullAt = fullAt - interval
    }

    /// Time until the bucket is full again: `interval` per missing token.
    private func debt(at now: ContinuousClock.Instant) -> Duration {
        guard let fullAt, fullAt > now else { return .zero }
        return fullAt - now
    }

    /// The largest debt at which a take still leaves `reserve` tokens behind.
    private func allowance(reserve: Int) -> Duration {
        let kept = min(max(0, reserve), capacity - 1)
        return interval * (capacity - 1 - kept)
    }
}
