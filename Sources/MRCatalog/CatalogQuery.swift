import MRConfig

/// The filters of `/api/models` (and of anything else that selects models: batch probes, routing).
public struct CatalogQuery: Sendable, Hashable {
    /// What `status` may be: a probe status, or `available` (ok or degraded).
    public enum StatusFilter: Sendable, Hashable {
        case status(DeploymentStatus)
        case available

        /// Every accepted spelling, for validation messages.
        public static let allowedValues = DeploymentStatus.allCases.map(\.rawValue) + ["available"]

        /// Parses one of `allowedValues`.
        public init?(_ text: String) {
            if text == "available" {
                self = .available
            } else if let status = DeploymentStatus(rawValue: text) {
                self = .status(status)
            } else {
                return nil
            }
        }
    }

    public var capability: Capability?
    /// Compared without regard to case.
    public var publisher: String?
    /// A case-insensitive substring of the id or the name.
    public var search: String?
    /// Compared with the model-level status (that of its best deployment).
    public var status: StatusFilter?

    public init(
        capability: Capability? = nil, publisher: String? = nil, search: String? = nil, status: StatusFilter? = nil
    ) {
        self.capability = capability
        self.publisher = publisher
        self.search = search
        self.status = status
    }

    /// Whether `model`, whose model-level status is `status`, passes every filter.
    public func matches(_ model: CatalogModel, status modelStatus: DeploymentStatus) -> Bool {
        if let capability, !model.has(capability) { return false }
        if let publisher, model.publisher.lowercased() != publisher.lowercased() { return false }
        if let search {
            let needle = search.lowercased()
            if !model.id.lowercased().contains(needle) && !model.name.lowercased().contains(needle) { return false }
        }
        switch status {
        case nil: return true
        case .available: return modelStatus.isAvailable
        case .status(let wanted): return modelStatus == wanted
        }
    }
}
