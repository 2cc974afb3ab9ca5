import MRCatalog

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One outcome of a call to a deployment, from a probe or from real traffic: what the health registry
/// learns from.
public struct HealthObservation: Sendable, Hashable {
    public var model: String
    public var provider: String
    public var status: DeploymentStatus
    /// Total latency, when the call answered.
    public var latencyMs: Int?
    /// Time to first token, when there was one.
    public var ttftMs: Int?
    /// Why it failed (already scrubbed of secrets).
    public var error: String?
    public var source: ObservationSource
    public var at: Date

    public init(
        model: String, provider: String, status: DeploymentStatus, latencyMs: Int? = nil, ttftMs: Int? = nil,
        error: String? = nil, source: ObservationSource, at: Date = Date()
    ) {
        self.model = model
        self.provider = provider
        self.status = status
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.error = error
        self.source = source
        self.at = at
    }
}

/// Everything the registry knows about one deployment right now.
public struct DeploymentSnapshot: Sendable, Hashable {
    public var model: String
    public var provider: String
    public var machine: DeploymentStateMachine
    /// The last probe's status (traffic outcomes move the state, not the shown status).
    public var status: DeploymentStatus
    public var latencyMs: Int?
    public var ttftMs: Int?
    /// When the last probe finished.
    public var lastChecked: Date?
    /// The last failure's message, from a probe or traffic.
    public var lastError: String?
    public var lastErrorAt: Date?

    public var state: DeploymentState { machine.state }

    public init(
        model: String, provider: String, machine: DeploymentStateMachine, status: DeploymentStatus,
        latencyMs: Int? = nil, ttftMs: Int? = nil, lastChecked: Date? = nil, lastError: String? = nil,
        lastErrorAt: Date? = nil
    ) {
        self.model = model
        self.provider = provider
        self.machine = machine
        self.status = status
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.lastChecked = lastChecked
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }

    /// What the catalog's views show.
    public var health: DeploymentHealth {
        DeploymentHealth(status: status, state: state, latencyMs: latencyMs, ttftMs: ttftMs, lastChecked: lastChecked)
    }
}
