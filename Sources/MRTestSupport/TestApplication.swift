import Logging
import MRApp
import MRConfig

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The real service on 127.0.0.1:0 with its own temporary database, for live tests.
public final class TestApplication: Sendable {
    public static let adminKey = "test-admin-key-0123456789"

    public let application: Application
    public let directory: String

    public var port: UInt16 { application.port }

    /// - Parameter configure: adjusts the configuration before start (defaults otherwise).
    public init(configure: (inout Config) -> Void = { _ in }) async throws {
        directory = try makeTemporaryDirectory()
        var config = try ConfigLoader.load(path: nil, environment: [:])
        config.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        config.storage.path = directory + "/modelrouter.db"
        config.auth.adminKey = Self.adminKey
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

    /// Stops the service and removes its files.
    public func stop() async {
        await application.shutdown(gracePeriod: .seconds(2))
        removeDirectory(directory)
    }
}

/// A fresh directory under the system temporary directory.
public func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/modelrouter-test-XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw RawHTTPConnection.Failure("mkdtemp failed") }
    return String(cString: path)
}

/// Removes a test directory and what is in it.
public func removeDirectory(_ path: String) {
    guard path.hasPrefix("/tmp/") else { return }
    _ = try? FileManager.default.removeItem(atPath: path)
}
