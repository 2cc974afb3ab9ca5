import Crypto
import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// API keys: created with a random secret of which only the SHA-256 is stored, listed, revoked, and looked
/// up by plaintext on every authenticated request.
extension Store {
    /// The longest key name accepted.
    public static let maximumAPIKeyNameLength = 100
    /// The range of per-key rate limits accepted, in requests per minute.
    public static let apiKeyRPMRange = 1...1_000_000

    // MARK: Async

    /// Creates a key. The plaintext is in the result and nowhere else: show it once.
    public func createAPIKey(name: String, rpm: Int?, isAdmin: Bool = false) async throws(StoreError) -> CreatedAPIKey {
        let name = try Self.validatedAPIKeyInput(name: name, rpm: rpm)
        let created = try await write { connection in try Self.insertAPIKey(connection, name, rpm, isAdmin) }
        logger.info("store: API key created", metadata: ["key_id": "\(created.record.id)", "admin": "\(isAdmin)"])
        return created
    }

    /// Every key, revoked ones included, in creation order.
    public func listAPIKeys() async throws(StoreError) -> [APIKeyRecord] {
        try await read(Self.selectAPIKeys)
    }

    /// Revokes a key; false when no key has that id or it was already revoked.
    public func revokeAPIKey(id: String) async throws(StoreError) -> Bool {
        let now = Self.now()
        let revoked = try await write { connection in try Self.revokeAPIKey(connection, id, now) }
        if revoked { logger.info("store: API key revoked", metadata: ["key_id": "\(id)"]) }
        return revoked
    }

    /// Records that keys authenticated requests at `date` (never moving `lastUsedAt` backwards). Meant to
    /// be called in batches off the request path, not once per request.
    public func markAPIKeysUsed(ids: Set<String>, at date: Date) async throws(StoreError) {
        guard !ids.isEmpty else { return }
        let milliseconds = Self.milliseconds(date)
        try await write { connection in
            let update = try connection.cachedStatement(
                "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?1) WHERE id = ?2")
            for id in ids {
                update.reset()
                try update.bind(milliseconds, at: 1)
                try update.bind(id, at: 2)
                try update.run()
            }
        }
    }

    // MARK: Synchronous

    /// The active key whose plaintext this is, or nil (unknown, revoked, empty, garbage).
    ///
    /// For the authentication gate when its cache misses: a hash, then one indexed lookup through a cached
    /// statement on a reader connection (off the caller's thread: a reader may be busy with a long report).
    public func apiKey(matchingPlaintext plaintext: String) async throws(StoreError) -> APIKeyRecord? {
        // Nothing this long or empty was ever issued: skip the hash and the database.
        guard !plaintext.isEmpty, plaintext.utf8.count <= 256 else { return nil }
        let hash = Self.hashAPIKey(plaintext)
        return try await read { connection in
            let select = try connection.cachedStatement(
                "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
            try select.bind(hash, at: 1)
            return try select.first(APIKeyRecord.init(row:))
        }
    }

    /// `createAPIKey`, blocking the calling thread (for the CLI).
    public func createAPIKeySync(name: String, rpm: Int?, isAdmin: Bool = false) throws(StoreError) -> CreatedAPIKey {
        let name = try Self.validatedAPIKeyInput(name: name, rpm: rpm)
        let created = try writeSync { connection in try Self.insertAPIKey(connection, name, rpm, isAdmin) }
        logger.info("store: API key created", metadata: ["key_id": "\(created.record.id)", "admin": "\(isAdmin)"])
        return created
    }

    /// `listAPIKeys`, blocking the calling thread (for the CLI).
    public func listAPIKeysSync() throws(StoreError) -> [APIKeyRecord] {
        try readSync(Self.selectAPIKeys)
    }

    /// `revokeAPIKey`, blocking the calling thread (for the CLI).
    public func revokeAPIKeySync(id: String) throws(StoreError) -> Bool {
        let now = Self.now()
        let revoked = try writeSync { connection in try Self.revokeAPIKey(connection, id, now) }
        if revoked { logger.info("store: API key revoked", metadata: ["key_id": "\(id)"]) }
        return revoked
    }

    // MARK: Key material

    /// The form a key is stored and looked up in: the lowercase hex SHA-256 of its UTF-8 bytes.
    public static func hashAPIKey(_ plaintext: String) -> String {
        let digest = SHA256.hash(data: Array(plaintext.utf8))
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// A new key: `ar_` and 40 base62 characters (about 238 bits) from the system's secure generator.
    static func generateAPIKey() -> String { "ar_" + randomBase62(count: 40) }

    static func randomBase62(count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        // random(in:using:) draws without modulo bias.
        let characters = (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(decoding: characters, as: UTF8.self)
    }

    // MARK: Statements

    static let apiKeyColumns = "id, name, prefix, created_at, revoked_at, last_used_at, rpm, is_admin, owner_id"

    static func validatedAPIKeyInput(name: String, rpm: Int?) throws(StoreError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalidInput("name must not be empty") }
        guard trimmed.count <= maximumAPIKeyNameLength else {
            throw .invalidInput("name must be at most \(maximumAPIKeyNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidInput("name must not contain control characters")
        }
        if let rpm, !apiKeyRPMRange.contains(rpm) {
            throw .invalidInput("rpm must be between \(apiKeyRPMRange.lowerBound) and \(apiKeyRPMRange.upperBound)")
        }
        return trimmed
    }

    private static func insertAPIKey(_ connection: SQLiteConnection, _ name: String, _ rpm: Int?, _ isAdmin: Bool)
        throws -> CreatedAPIKey
    {
        let insert = try connection.cachedStatement(
            "INSERT INTO api_keys (id, name, prefix, key_hash, created_at, rpm, is_admin) VALUES (?, ?, ?, ?, ?, ?, ?)")
        // A collision of 238 random bits will not happen; a second draw costs nothing if it ever does.
        var attempt = 0
        while true {
            attempt += 1
            let plaintext = generateAPIKey()
            let record = APIKeyRecord(
                id: "key_" + randomBase62(count: 16), name: name, prefix: String(plaintext.prefix(8)),
                createdAt: now(), rpm: rpm, isAdmin: isAdmin)
            insert.reset()
            try insert.bind([
                .text(record.id), .text(record.name), .text(record.prefix), .text(hashAPIKey(plaintext)),
                .integer(milliseconds(record.createdAt)), SQLiteValue(rpm), .integer(isAdmin ? 1 : 0),
            ])
            do {
                try insert.run()
            } catch {
                if error.isUniqueConstraint && attempt < 3 { continue }
                throw error
            }
            return CreatedAPIKey(plaintext: plaintext, record: record)
        }
    }

    private static func selectAPIKeys(_ connection: SQLiteConnection) throws -> [APIKeyRecord] {
        try connection.cachedStatement("SELECT \(apiKeyColumns) FROM api_keys ORDER BY created_at, rowid")
            .map(APIKeyRecord.init(row:))
    }

    private static func revokeAPIKey(_ connection: SQLiteConnection, _ id: String, _ now: Date) throws -> Bool {
        let update = try connection.cachedStatement(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        try update.bind(milliseconds(now), at: 1)
        try update.bind(id, at: 2)
        try update.run()
        return connection.changes > 0
    }
}

extension APIKeyRecord {
    /// Reads a row selected with `Store.apiKeyColumns`.
    init(row: SQLiteStatement) {
        self.init(
            id: row.string(at: 0), name: row.string(at: 1), prefix: row.string(at: 2),
            createdAt: Store.date(milliseconds: row.int64(at: 3)),
            revokedAt: row.optionalInt64(at: 4).map(Store.date(milliseconds:)),
            lastUsedAt: row.optionalInt64(at: 5).map(Store.date(milliseconds:)),
            rpm: row.optionalInt(at: 6), isAdmin: row.bool(at: 7), ownerID: row.optionalString(at: 8))
    }
}
