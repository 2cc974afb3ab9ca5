import Logging
import MRAPI
import MRHTTPServer
import MRStore
import MRTestSupport
import MRWeb
import Testing

/// The auth gate's two steps: what it knows from memory, and the storage look-up it asks the router for.
@Suite struct KeyAuthenticatorTests {
    func request(key: String) -> HTTPRequest {
        var request = HTTPRequest(method: "GET", path: "/api/availability")
        request.headers.add("X-API-Key", key)
        return request
    }

    @Test func anUnknownKeyIsLookedUpOnceThenAnsweredFromMemory() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Logger(label: "test"))
        defer { store.close() }
        let created = try store.createAPIKeySync(name: "bot", rpm: 30)
        let gate = KeyAuthenticator(adminKey: "admin-secret", store: store, publicCatalog: false)

        #expect(try gate.authenticate(request(key: "admin-secret")) != .lookUp)
        #expect(try gate.authenticate(request(key: created.plaintext)) == .lookUp)
        let principal = try await gate.lookUp(request(key: created.plaintext))
        #expect(principal?.id == created.record.id && principal?.rpm == 30)
        #expect(try gate.authenticate(request(key: created.plaintext)) == .known(principal))

        // A key that is not in the store is cached as bad: the next request is refused from memory.
        await #expect(throws: APIError.self) { try await gate.lookUp(request(key: "ar_unknown")) }
        #expect(throws: APIError.self) { try gate.authenticate(request(key: "ar_unknown")) }
    }

    @Test func aStoreFailureIsNotCachedAsABadKey() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Logger(label: "test"))
        let created = try store.createAPIKeySync(name: "bot", rpm: nil)
        let gate = KeyAuthenticator(adminKey: nil, store: store, publicCatalog: false)
        store.close()
        do {
            _ = try await gate.lookUp(request(key: created.plaintext))
            Issue.record("expected the look-up to fail")
        } catch let error as APIError {
            #expect(error.status == 503 && error.errorCode == "NOT_READY")
        }
        // Still unknown, not remembered as invalid: once the store answers again, the key works.
        #expect(try gate.authenticate(request(key: created.plaintext)) == .lookUp)
    }

    /// With both credential headers, `X-API-Key` is used and the bearer token ignored, whatever it is.
    @Test(arguments: [
        ("admin-secret", "Bearer ar_placeholder", true), ("ar_wrong", "Bearer admin-secret", false),
        ("", "Bearer admin-secret", true), ("admin-secret", "Basic dXNlcjpwYXNz", true),
    ])
    func xAPIKeyComesFirst(key: String, authorization: String, accepted: Bool) throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Logger(label: "test"))
        defer { store.close() }
        let gate = KeyAuthenticator(adminKey: "admin-secret", store: store, publicCatalog: false)
        var request = request(key: key)
        request.headers.add("Authorization", authorization)
        let admin = Principal(kind: .adminKey, id: "admin", name: "admin key", isAdmin: true)
        if accepted {
            #expect(try gate.authenticate(request) == .known(admin))
        } else {
            // Not known from memory: an `ar_` key the store has never seen is looked up, then refused.
            #expect(try gate.authenticate(request) == .lookUp)
        }
    }
}
