import MRProbes
import Synchronization

/// What traffic taught the router about each deployment: its circuit breaker, its recent time to first
/// token, and whether its last traffic failure was permanent.
///
/// A `Mutex` around plain values: each method is one short critical section with no I/O, safe to call from
/// any thread (the planner reads every candidate in one lock).
package final class DeploymentTracker: Sendable {
    struct Entry {
        var breaker: CircuitBreaker
        var latency = LatencyEstimate()
        var permanentFailure = false
    }

    package let policy: CircuitBreaker.Policy
    private let entries = Mutex<[DeploymentID: Entry]>([:])

    package init(policy: CircuitBreaker.Policy = CircuitBreaker.Policy()) {
        self.policy = policy
    }

    /// What the planner needs of each deployment, read under one lock.
    package func facts(_ ids: [DeploymentID], at now: ContinuousClock.Instant) -> [(
        gate: CircuitBreaker.Gate, latencyMs: Double?, permanentFailure: Bool
    )] {
        entries.withLock { entries in
            ids.map { id in
                guard let entry = entries[id] else { return (.closed, nil, false) }
                return (entry.breaker.gate(at: now), entry.latency.milliseconds, entry.permanentFailure)
            }
        }
    }

    /// The breaker of `id` (a copy, for tests and diagnostics).
    package func breaker(_ id: DeploymentID) -> CircuitBreaker {
        entries.withLock { $0[id]?.breaker } ?? CircuitBreaker(policy: policy)
    }

    /// The recent time to first token of `id`.
    package func latency(_ id: DeploymentID) -> LatencyEstimate {
        entries.withLock { $0[id]?.latency } ?? LatencyEstimate()
    }

    /// Asks the breaker for a call (takes the half-open trial slot when that is what is left).
    package func admit(_ id: DeploymentID, at now: ContinuousClock.Instant) -> Bool {
        update(id) { $0.breaker.admit(at: now) }
    }

    /// A call answered; `ttftMs` feeds the latency estimate.
    package func recordSuccess(_ id: DeploymentID, ttftMs: Double?) {
        update(id) { entry in
            entry.breaker.recordSuccess()
            entry.permanentFailure = false
            if let ttftMs { entry.latency.add(milliseconds: ttftMs) }
        }
    }

    /// A call failed; returns true when this opened the circuit. `forceOpen` opens it whatever the count
    /// (the deployment's state just went `down`).
    @discardableResult
    package func recordFailure(
        _ id: DeploymentID, permanent: Bool, forceOpen: Bool = false, at now: ContinuousClock.Instant
    ) -> Bool {
        update(id) { entry in
            entry.permanentFailure = permanent
            return entry.breaker.recordFailure(at: now, permanent: permanent, forceOpen: forceOpen)
        }
    }

    /// A call ended without news about the deployment (rate limited, cancelled).
    package func recordNeutral(_ id: DeploymentID) {
        update(id) { $0.breaker.recordNeutral() }
    }

    private func update<T>(_ id: DeploymentID, _ body: (inout Entry) -> T) -> T {
        entries.withLock { entries in
            var entry = entries[id] ?? Entry(breaker: CircuitBreaker(policy: policy))
            defer { entries[id] = entry }
            return body(&entry)
        }
    }
}
