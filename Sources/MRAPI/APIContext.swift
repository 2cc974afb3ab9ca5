import Logging
import MRConfig
import MRStore

/// What the API handlers need: configuration, the store, and a logger. Built once by the app.
public struct APIContext: Sendable {
    public let config: Config
    public let store: Store
    public let logger: Logger
    public let startedAt: ContinuousClock.Instant

    public init(config: Config, store: Store, logger: Logger, startedAt: ContinuousClock.Instant = .now) {
        self.config = config
        self.store = store
        self.logger = logger
        self.startedAt = startedAt
    }
}
