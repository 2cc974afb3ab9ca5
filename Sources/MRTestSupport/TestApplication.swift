import Foundation
import Logging
import MRApp
import MRConfig

#if canImport(Glibc)
    import Glibc
#endif

/// The real service on 127.0.0.1:0 with its own temporary database, for live tests.
public final class TestApplication: Sendable {
    public static let adminKey = "test-admin-key-0123456789"

    public let application: Application
    public let directory: String

    public var port: UInt16 { application.port }

    /// - Parameters:
    ///   - directory: reuse a previous instance's directory (and database), to test restarts.
    ///   - configure: adjusts the configuration before start (defaults otherwise, except that scheduled
    ///     probes are off).
    public init(directory: String? = nil, configure: (inout Config) -> Void = { _ in }) async throws {
        self.directory = try directory ?? makeTemporaryDirectory()
        var config = try ConfigLoader.load(path: nil, environment: [:])
        config.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        config.storage.path = self.directory + "/modelrouter.db"
        config.auth.adminKey = Self.adminKey
        // No scheduled probes unless a test asks: they would add upstream calls other tests count.
        config.probes.interval = .zero
        configure(&config)
        var logger = Logger(label: "test-app")
        logger.logLevel = .warning
        application = try await Application(config: config, logger: logger)
    }

    /// One request on a fresh connection; `key` goes in `X-API-Key`.
    public func request(
        _ method: String, _ path: String, key: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> RawHTTPResponse {
        var all = headers
        if let key { all.append(("X-API-Key", key)) }
        if body != nil { all.append(("Content-Type", "application/json")) }
        return try await httpRequest(port: port, method, path, headers: all, body: Array((body ?? "").utf8))
    }

    /// Stops the service and removes its files unless `keepFiles` (for a restart on the same database).
    public func stop(keepFiles: Bool = false) async {
        await application.shutdown(gracePeriod: .seconds(2))
        if !keepFiles { removeDirectory(directory) }
    }

    /// The JSON object a successful admin-key GET returns.
    public func json(_ path: String) async throws -> [String: Any] {
        let response = try await request("GET", path, key: Self.adminKey)
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { throw RawHTTPConnection.Failure("GET \(path): \(response.status) \(response.text)") }
        return object
    }
}
