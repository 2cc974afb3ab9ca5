import Foundation
import MRTestSupport
import Testing

/// API keys end to end: created by the admin, shown once, usable at once, revocable.
@Suite struct KeyTests {
    func json(_ response: RawHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func createUseListRevoke() async throws {
        let app = try await TestApplication()
        let created = try await app.request(
            "POST", "/api/keys", key: TestApplication.adminKey, body: #"{"name": "bot one", "rpm": 60}"#)
        #expect(created.status == 201)
        let body = try json(created)
        let key = try #require(body["key"] as? String)
        let id = try #require(body["id"] as? String)
        #expect(key.hasPrefix("ar_"))
        #expect(body["rpm"] as? Int == 60)

        // The new key authenticates (as X-API-Key and as Bearer) but is not an admin.
        #expect(try await app.request("GET", "/api/availability", key: key).status == 200)
        #expect(
            try await app.request("GET", "/api/availability", headers: [("Authorization", "Bearer \(key)")]).status
                == 200)
        #expect(try await app.request("GET", "/api/keys", key: key).status == 403)

        // Listing never shows the key.
        let listed = try await app.request("GET", "/api/keys", key: TestApplication.adminKey)
        #expect(listed.status == 200)
        #expect(!listed.text.contains(key))
        #expect(listed.text.contains(id))

        // Revoked: refused (within the auth cache's TTL, which a fresh key never hit negatively).
        #expect(try await app.request("DELETE", "/api/keys/\(id)", key: TestApplication.adminKey).status == 200)
        #expect(try await app.request("DELETE", "/api/keys/\(id)", key: TestApplication.adminKey).status == 404)
        let store = app.application.store
        #expect(try await store.apiKey(matchingPlaintext: key)?.isActive != true)
        await app.stop()
    }

    @Test func invalidInputIs400AndUnknownKeysAre401() async throws {
        let app = try await TestApplication()
        let empty = try await app.request("POST", "/api/keys", key: TestApplication.adminKey, body: #"{"name": ""}"#)
        let badRPM = try await app.request(
            "POST", "/api/keys", key: TestApplication.adminKey, body: #"{"name": "x", "rpm": 0}"#)
        let unknown = try await app.request("GET", "/api/availability", key: "ar_doesnotexist")
        let notOurs = try await app.request("GET", "/api/availability", key: "sk-something")
        await app.stop()
        #expect(empty.status == 400)
        #expect(badRPM.status == 400)
        #expect(unknown.status == 401)
        #expect(unknown.text.contains("AUTH_INVALID"))
        #expect(notOurs.status == 401)
    }
}
