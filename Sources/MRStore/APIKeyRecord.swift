#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An API key as stored: everything but the key itself, of which only a hash is kept.
public struct APIKeyRecord: Sendable, Hashable, Codable {
    /// A stable identifier (`key_` and 16 base62 characters), used to revoke the key.
    public var id: String
    /// What the owner called it.
    public var name: String
    /// The key's first 8 characters (`ar_` and 5 more), so people can tell their keys apart.
    public var prefix: String
    public var createdAt: Date
    /// When it was revoked; nil while active.
    public var revokedAt: Date?
    /// When it last authenticated a request, when known.
    public var lastUsedAt: Date?
    /// Requests per minute allowed with this key; nil means the server's default.
    public var rpm: Int?
    /// Whether the key may use the admin endpoints.
    public var isAdmin: Bool
    /// The account owning the key; nil until accounts exist (and for operator keys).
    public var ownerID: String?

    public init(
        id: String, name: String, prefix: String, createdAt: Date, revokedAt: Date? = nil, lastUsedAt: Date? = nil,
        rpm: Int? = nil, isAdmin: Bool = false, ownerID: String? = nil
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.rpm = rpm
        self.isAdmin = isAdmin
        self.ownerID = ownerID
    }

    /// Whether the key still authenticates (it has not been revoked).
    public var isActive: Bool { revokedAt == nil }
}

/// A key just created: the plaintext, shown to its owner this once and never again, and its record.
public struct CreatedAPIKey: Sendable {
    /// The key itself, `ar_` and 40 base62 characters.
    public let plaintext: String
    public let record: APIKeyRecord
}
