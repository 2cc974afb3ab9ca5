import MRCatalog

/// The thresholds that turn results into a deployment's state (SPEC "Status"), as a pure value.
///
/// - A first result decides at once: with nothing known, there is no state to protect from flapping.
/// - After that, `failureThreshold` consecutive failures take an `up` deployment `down`, and
///   `successThreshold` consecutive available results bring a `down` one back `up`.
/// - Permanent failures (`auth_error`, `not_found`) take it down at once: retrying cannot fix them.
/// - `rate_limited` counts neither way: the deployment answered, and the rate limiter (not the state)
///   keeps traffic off it until its `Retry-After` has passed.
public struct DeploymentStateMachine: Sendable, Hashable {
    public private(set) var state: DeploymentState
    /// Failures in a row (reset by an available result).
    public private(set) var consecutiveFailures = 0
    /// Available results in a row (reset by a failure).
    public private(set) var consecutiveSuccesses = 0

    public init(state: DeploymentState = .unknown) {
        self.state = state
    }

    /// Feeds one result; returns the new state when it changed.
    public mutating func observe(
        _ status: DeploymentStatus, failureThreshold: Int, successThreshold: Int
    ) -> DeploymentState? {
        let before = state
        switch status {
        case .unknown, .rateLimited:
            return nil
        case .ok, .degraded:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            if state == .unknown || (state == .down && consecutiveSuccesses >= successThreshold) { state = .up }
        case .authError, .notFound:
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            state = .down
        case .timeout, .error:
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            if state == .unknown || (state == .up && consecutiveFailures >= failureThreshold) { state = .down }
        }
        return state == before ? nil : state
    }
}

extension DeploymentStatus {
    /// `auth_error` and `not_found`: failures that retrying does not fix.
    public var isPermanentFailure: Bool { self == .authError || self == .notFound }
}
