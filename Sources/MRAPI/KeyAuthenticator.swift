import Crypto
import MRHTTPServer
import MRStore
import MRWeb
import Synchronization

/// The auth gate: the configured admin key, or an `ar_` API key looked up by its SHA-256 in the store.
///
/// `authenticate` runs on the server's threads and answers from memory: the admin key, a malformed key, or a
/// cached look-up. A key not in the cache is looked up by `lookUp`, in a task off those threads (a reader
/// connection may be busy with a long report). Results, bad keys included, are cached for `cacheTTL`: a revoked
/// key stops working within it, including one revoked by `modelrouter keys revoke` in another process.
public final class KeyAuthenticator: Authenticator {
    public let publicCatalog: Bool
    private let adminKeyDigest: [UInt8]?
    private let store: Store
    private let cacheTTL: Duration
    /// By the credential's SHA-256 digest.
    private let cache = Mutex<[[UInt8]: (principal: Principal?, expires: ContinuousClock.Instant)]>([:])

    public init(adminKey: String?, store: Store, publicCatalog: Bool, cacheTTL: Duration = .seconds(5)) {
        self.adminKeyDigest = adminKey.flatMap { $0.isEmpty ? nil : Array(SHA256.hash(data: Array($0.utf8))) }
        self.store = store
        self.publicCatalog = publicCatalog
        self.cacheTTL = cacheTTL
    }

    public func authenticate(_ request: HTTPRequest) throws -> Authentication {
        guard let credential = request.credential else { return .known(nil) }
        guard credential.utf8.count <= 512 else { throw APIError.authInvalid() }
        let digest = Array(SHA256.hash(data: Array(credential.utf8)))
        // Comparing digests keeps the comparison's timing independent of the admin key's content.
        if let adminKeyDigest, digest == adminKeyDigest {
            return .known(Principal(kind: .adminKey, id: "admin", name: "admin key", isAdmin: true))
        }
        guard credential.hasPrefix("ar_") else { throw APIError.authInvalid() }
        guard let hit = cache.withLock({ $0[digest] }), hit.expires > .now else { return .lookUp }
        guard let principal = hit.principal else { throw APIError.authInvalid() }
        return .known(principal)
    }

    public func lookUp(_ request: HTTPRequest) async throws -> Principal? {
        guard let credential = request.credential else { return nil }
        let key = Array(SHA256.hash(data: Array(credential.utf8)))
        let record: APIKeyRecord?
        do {
            record = try await store.apiKey(matchingPlaintext: credential)
        } catch {
            // Not an answer about the key: a good key must not be cached as bad for `cacheTTL`.
            throw APIError.notReady("the API key could not be checked: \(error.detail)")
        }
        let principal = record.flatMap { record -> Principal? in
            guard record.isActive else { return nil }
            return Principal(kind: .apiKey, id: record.id, name: record.name, isAdmin: record.isAdmin, rpm: record.rpm)
        }
        let expires = ContinuousClock.now + cacheTTL
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }  // bound memory against floods of random keys
            cache[key] = (principal, expires)
        }
        guard let principal else { throw APIError.authInvalid() }
        return principal
    }
}
