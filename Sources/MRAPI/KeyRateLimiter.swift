import MRProviders
import MRWeb
import Synchronization

/// The per-key `rpm` of API keys (SPEC "Rate limits"): one token bucket per key that has a limit, checked
/// before a routed call. A key over its limit gets 429 `RATE_LIMITED` with `Retry-After`.
///
/// In memory: limits restart with the process, which only ever lets a few more requests through.
package final class KeyRateLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    /// Told of every refusal (the `modelrouter_rate_limited_total{scope="key"}` counter).
    private let onLimited: @Sendable () -> Void

    package init(onLimited: @escaping @Sendable () -> Void = {}) {
        self.onLimited = onLimited
    }

    /// Takes one request from `principal`'s bucket; throws when it is empty. Callers without an `rpm` pass.
    package func admit(_ principal: Principal?, now: ContinuousClock.Instant = .now) throws {
        guard let principal, let rpm = principal.rpm, rpm > 0 else { return }
        let decision = buckets.withLock { buckets in
            var bucket = buckets[principal.id] ?? TokenBucket(rpm: rpm)
            if bucket.capacity != rpm { bucket = TokenBucket(rpm: rpm) }  // the key's limit was changed
            defer { buckets[principal.id] = bucket }
            return bucket.take(now: now)
        }
        if case .wait(let wait) = decision {
            onLimited()
            let (seconds, attoseconds) = wait.components
            throw APIError.rateLimited(
                "API key '\(principal.name)' is over its limit of \(rpm) requests per minute",
                retryAfterSeconds: Int(seconds) + (attoseconds > 0 ? 1 : 0))
        }
    }
}
