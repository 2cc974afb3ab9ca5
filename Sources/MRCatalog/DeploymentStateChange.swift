#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One change of a deployment's state (SPEC "Status"): an entry of the incident history, the trigger of
/// notifications, and a step of `modelrouter_model_up`.
public struct DeploymentStateChange: Sendable, Hashable {
    /// The model id (`publisher/name`).
    public var model: String
    /// The provider id.
    public var provider: String
    public var from: DeploymentState
    public var to: DeploymentState
    /// The status of the result that caused the change.
    public var status: DeploymentStatus
    /// That result's error message, if it failed.
    public var error: String?
    /// Where the deciding result came from.
    public var source: ObservationSource
    public var at: Date

    public init(
        model: String, provider: String, from: DeploymentState, to: DeploymentState, status: DeploymentStatus,
        error: String?, source: ObservationSource, at: Date
    ) {
        self.model = model
        self.provider = provider
        self.from = from
        self.to = to
        self.status = status
        self.error = error
        self.source = source
        self.at = at
    }
}

/// Who saw a deployment's outcome: a probe, or a real request through the router (passive health).
public enum ObservationSource: String, Sendable, Hashable, CaseIterable {
    case probe
    case traffic
}
