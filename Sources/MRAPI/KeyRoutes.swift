import MRHTTPServer
import MRStore
import MRWeb

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `/api/keys`: create (the key is shown once), list, revoke. Admin only until accounts exist.
enum KeyRoutes {
    struct CreateRequest: Decodable {
        var name: String
        var rpm: Int?
        var admin: Bool?

        /// What the store accepts: a name of 1 to 100 characters, not all blank, without control characters.
        static let schema: JSONValue = [
            "type": "object", "required": ["name"],
            "properties": [
                "name": [
                    "type": "string", "maxLength": .int(Store.maximumAPIKeyNameLength),
                    "pattern": #"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"#,
                ],
                "rpm": [
                    "type": "integer", "minimum": .int(Store.apiKeyRPMRange.lowerBound),
                    "maximum": .int(Store.apiKeyRPMRange.upperBound), "description": "requests per minute",
                ],
                "admin": ["type": "boolean"],
            ],
        ]
    }

    /// A key as the API shows it: never the key itself nor its hash.
    struct KeyView: Encodable {
        var id: String
        var name: String
        var prefix: String
        var createdAt: Date
        var revokedAt: Date?
        var lastUsedAt: Date?
        var rpm: Int?
        var admin: Bool
        var active: Bool

        enum CodingKeys: String, CodingKey {
            case id, name, prefix, rpm, admin, active
            case createdAt = "created_at", revokedAt = "revoked_at", lastUsedAt = "last_used_at"
        }

        init(_ record: APIKeyRecord) {
            id = record.id
            name = record.name
            prefix = record.prefix
            createdAt = record.createdAt
            revokedAt = record.revokedAt
            lastUsedAt = record.lastUsedAt
            rpm = record.rpm
            admin = record.isAdmin
            active = record.isActive
        }
    }

    struct Created: Encodable {
        var key: String
        var record: KeyView
        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: ExtraKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode("store this key now: it is not shown again", forKey: .note)
        }
        enum ExtraKeys: String, CodingKey { case key, note }
    }

    struct KeyList: Encodable { var keys: [KeyView] }

    static func make(_ context: APIContext) -> [Route] {
        let store = context.store
        return [
            Route(
                "POST", "/api/keys", summary: "Create an API key; the key is in this response only", access: .admin,
                tag: "keys", requestBody: "name (1-100 chars), optional rpm (1-1000000), optional admin",
                requestSchema: CreateRequest.schema, successStatus: 201,
                handler: .async { request in
                    let body = try request.decode(CreateRequest.self)
                    let created = try await mapStoreErrors {
                        try await store.createAPIKey(name: body.name, rpm: body.rpm, isAdmin: body.admin ?? false)
                    }
                    return try .json(Created(key: created.plaintext, record: KeyView(created.record)), status: 201)
                }),
            Route(
                "GET", "/api/keys", summary: "List API keys (prefixes only)", access: .admin, tag: "keys",
                handler: .async { _ in
                    try .json(KeyList(keys: try await store.listAPIKeys().map(KeyView.init)))
                }),
            Route(
                "DELETE", "/api/keys/{id}", summary: "Revoke an API key", access: .admin, tag: "keys",
                parameters: [.init("id", in: .path, required: true, "key id (key_…)")],
                handler: .async { request in
                    let id = request.path("id")
                    guard try await store.revokeAPIKey(id: id) else {
                        throw APIError.notFound("no active API key with id '\(id)'")
                    }
                    return .json(bytes: JSONValue.object([("id", .string(id)), ("revoked", true)]).encoded())
                }),
        ]
    }

    /// Store validation failures are the client's fault: 400, not 500.
    static func mapStoreErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error.isInvalidInput {
            throw APIError.validation(error.detail)
        }
    }
}
