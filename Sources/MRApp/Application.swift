import Logging
import MRAPI
import MRConfig
import MRHTTPServer
import MRStore
import MRWeb

/// The running service: store, router and HTTP server wired from a `Config`.
///
/// `start` brings everything up (the port is bound when it returns); `shutdown` stops accepting, lets
/// in-flight requests and streams end within the grace period, then flushes and closes the store.
public final class Application: Sendable {
    public let config: Config
    public let store: Store
    public let server: HTTPServer
    public let router: Router
    private let logger: Logger

    /// The bound port (useful with `listen: 127.0.0.1:0`).
    public var port: UInt16 { server.port }

    /// The base URL clients use.
    public var baseURL: String {
        let host = config.server.listen.host
        let shown = host == "0.0.0.0" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
        return "http://\(shown):\(port)"
    }

    public init(config: Config, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let store = try Store(path: config.storage.path, logger: logger)
        self.store = store
        let context = APIContext(config: config, store: store, logger: logger)
        let authenticator = KeyAuthenticator(
            adminKey: config.auth.adminKey, store: store, publicCatalog: config.server.publicCatalog)
        let router = Router(routes: APIRoutes.make(context), authenticator: authenticator, logger: logger)
        self.router = router
        do {
            self.server = try HTTPServer(
                configuration: .init(
                    host: config.server.listen.host, port: config.server.listen.port,
                    maxBodyBytes: config.server.maxBodyBytes),
                handler: router, logger: logger)
        } catch {
            store.close()
            throw error
        }
    }

    /// Graceful stop; idempotent.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        logger.info("shutting down")
        await server.shutdown(gracePeriod: gracePeriod)
        store.close()
        logger.info("stopped")
    }
}
