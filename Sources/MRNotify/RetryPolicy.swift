/// When a failed webhook delivery is tried again, and after how long: a pure value, tested without I/O.
public struct RetryPolicy: Sendable, Hashable {
    /// Further attempts after the first.
    public var retries: Int
    /// The wait before the first retry; each later one doubles it.
    public var initialBackoff: Duration
    /// No wait is longer than this, `Retry-After` included.
    public var maxBackoff: Duration

    public init(retries: Int = 3, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)) {
        self.retries = max(0, retries)
        self.initialBackoff = max(.zero, initialBackoff)
        self.maxBackoff = max(.zero, maxBackoff)
    }

    /// What one attempt came to.
    public enum AttemptResult: Sendable, Hashable {
        /// A 2xx answer.
        case delivered
        /// A failure worth retrying (5xx, 408, 429, timeout, connection failure); the server may have said
        /// when (`Retry-After`).
        case transient(retryAfter: Duration?)
        /// A failure retrying will not fix (other 4xx, a request the client cannot send).
        case permanent
    }

    /// The result of an answer with `status` and an optional `Retry-After` header.
    public static func classify(status: Int, retryAfter: String?) -> AttemptResult {
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429, 500..<600:
            let seconds = retryAfter.flatMap { Int($0.trimmed(of: " \t")) }.flatMap { $0 >= 0 ? $0 : nil }
            return .transient(retryAfter: seconds.map { .seconds($0) })
        default: return .permanent
        }
    }

    /// How long to wait before attempt number `attempt` (1 is the first retry), or nil when no attempt is left.
    /// `jitter` in 0...1 spreads retries of many instances (the caller passes a random value; tests pass 0).
    public func delay(beforeRetry attempt: Int, retryAfter: Duration?, jitter: Double = 0) -> Duration? {
        guard attempt >= 1, attempt <= retries else { return nil }
        var backoff = initialBackoff
        for _ in 1..<attempt where backoff < maxBackoff { backoff = backoff * 2 }
        backoff = backoff + backoff * (min(max(jitter, 0), 1) / 2)
        if let retryAfter, retryAfter > backoff { backoff = retryAfter }
        return min(backoff, maxBackoff)
    }
}

extension String {
    fileprivate func trimmed(of set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
