#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A probe result's status (SPEC "Status"); `unknown` until a deployment is probed.
public enum DeploymentStatus: String, Sendable, Hashable, CaseIterable {
    case ok
    case degraded
    case rateLimited = "rate_limited"
    case authError = "auth_error"
    case notFound = "not_found"
    case timeout
    case error
    case unknown

    /// `ok` or `degraded`.
    public var isAvailable: Bool { self == .ok || self == .degraded }

    /// Lower is better: how a model picks its best deployment. Never probed ranks above known failures,
    /// and permanent failures rank last.
    var rank: Int {
        switch self {
        case .ok: 0
        case .degraded: 1
        case .unknown: 2
        case .rateLimited: 3
        case .timeout: 4
        case .error: 5
        case .notFound: 6
        case .authError: 7
        }
    }
}

/// A deployment's state after the thresholds (SPEC "Status"): what routing and dashboards use.
public enum DeploymentState: String, Sendable, Hashable, CaseIterable {
    case up
    case down
    case unknown
}

/// What is known about one deployment's health right now.
public struct DeploymentHealth: Sendable, Hashable {
    public var status: DeploymentStatus
    public var state: DeploymentState
    public var latencyMs: Int?
    /// Time to first token.
    public var ttftMs: Int?
    public var lastChecked: Date?

    public init(
        status: DeploymentStatus, state: DeploymentState, latencyMs: Int? = nil, ttftMs: Int? = nil,
        lastChecked: Date? = nil
    ) {
        self.status = status
        self.state = state
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.lastChecked = lastChecked
    }

    /// Never probed.
    public static let unknown = DeploymentHealth(status: .unknown, state: .unknown)

    /// Whether `self` is a better deployment to show (and pick) than `other`: better status, then lower
    /// latency (unknown latency last).
    public func isBetter(than other: DeploymentHealth) -> Bool {
        if status.rank != other.status.rank { return status.rank < other.status.rank }
        switch (latencyMs, other.latencyMs) {
        case (let mine?, let theirs?): return mine < theirs
        case (.some, nil): return true
        default: return false
        }
    }
}

/// Where the catalog's views get each deployment's health: the probe scheduler and passive health will
/// supply it; until then every deployment is `unknown`.
///
/// Called on HTTP threads for every deployment shown, so implementations answer from memory.
public protocol DeploymentHealthSource: Sendable {
    /// The health of `modelID` at `providerID`.
    func health(modelID: String, providerID: String) -> DeploymentHealth
}

/// Knows nothing: every deployment is `unknown` (the state before probes exist).
public struct UnknownDeploymentHealth: DeploymentHealthSource {
    public init() {}
    public func health(modelID: String, providerID: String) -> DeploymentHealth { .unknown }
}

extension CatalogModel {
    /// Each deployment with its health, and the model-level health: that of its best deployment.
    public func health(from source: any DeploymentHealthSource) -> (
        model: DeploymentHealth, deployments: [DeploymentHealth]
    ) {
        let healths = deployments.map { source.health(modelID: id, providerID: $0.providerID) }
        var best = healths.first ?? .unknown
        for health in healths.dropFirst() where health.isBetter(than: best) { best = health }
        return (best, healths)
    }
}
