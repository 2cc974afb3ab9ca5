extension ProviderRateLimiter {
    /// Pauses one deployment (`provider/model`, or however the caller names it) for `duration`, typically
    /// an upstream 429's `Retry-After`. A shorter pause never cuts a longer one short.
    package func pause(deployment: String, for duration: Duration) {
        let now = clock.now
        let until = now + max(.zero, duration)
        state.withLock { state in
            state.pauses = state.pauses.filter { $0.value > now }
            if let current = state.pauses[deployment], current >= until { return }
            state.pauses[deployment] = until
        }
    }

    /// When the deployment's pause ends, or nil when it is not paused.
    package func pausedUntil(deployment: String) -> ContinuousClock.Instant? {
        let now = clock.now
        return state.withLock { state in
            guard let until = state.pauses[deployment] else { return nil }
            guard until > now else {
                state.pauses[deployment] = nil
                return nil
            }
            return until
        }
    }

    /// Whether the deployment is paused now.
    package func isPaused(deployment: String) -> Bool {
        pausedUntil(deployment: deployment) != nil
    }

    /// How long the deployment stays paused, or nil when it is not paused (a `Retry-After` to pass on).
    package func remainingPause(deployment: String) -> Duration? {
        pausedUntil(deployment: deployment).map { $0 - clock.now }.flatMap { $0 > .zero ? $0 : nil }
    }

    /// Ends a pause early (e.g. the deployment answered after all).
    package func resume(deployment: String) {
        _ = state.withLock { $0.pauses.removeValue(forKey: deployment) }
    }
}
