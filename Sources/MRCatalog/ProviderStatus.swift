import MRConfig
import MRStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One provider as the catalog sees it: configuration (never the key), model count and how discovery went.
public struct ProviderStatus: Sendable, Hashable {
    public var id: String
    public var type: ProviderType
    public var baseURL: String?
    /// Everything it serves is simulated.
    public var simulated: Bool
    /// Whether it is asked for its model list.
    public var discover: Bool
    /// Deployments it has in the current catalog.
    public var modelCount: Int
    /// The last discovery attempt, successful or not.
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    /// The last failure's message; it stays after a later success (compare the times, or see
    /// `consecutiveFailures`, which is 0 once discovery works again).
    public var lastError: String?
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int

    public init(
        id: String, type: ProviderType, baseURL: String?, simulated: Bool, discover: Bool, modelCount: Int,
        lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil, lastError: String? = nil, lastErrorAt: Date? = nil,
        consecutiveFailures: Int = 0
    ) {
        self.id = id
        self.type = type
        self.baseURL = baseURL
        self.simulated = simulated
        self.discover = discover
        self.modelCount = modelCount
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
    }
}

extension ProviderDiscoveryRecord {
    /// The record after a successful discovery of `modelCount` models at `date`.
    func succeeded(at date: Date, modelCount: Int) -> ProviderDiscoveryRecord {
        var record = self
        record.lastAttemptAt = date
        record.lastSuccessAt = date
        record.consecutiveFailures = 0
        record.modelCount = modelCount
        return record
    }

    /// The record after a failed discovery at `date`.
    func failed(at date: Date, error: String) -> ProviderDiscoveryRecord {
        var record = self
        record.lastAttemptAt = date
        record.lastError = error
        record.lastErrorAt = date
        record.consecutiveFailures += 1
        return record
    }
}
