import MRSQLite

extension Store {
    /// The schema's history, oldest first. Later releases append (probe results, reports, roll-ups,
    /// accounts); a shipped migration is never edited.
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1, name: "create_api_keys",
            sql: """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the key; the plaintext is never stored
                    created_at INTEGER NOT NULL,     -- milliseconds since 1970
                    revoked_at INTEGER,
                    last_used_at INTEGER,
                    rpm INTEGER CHECK (rpm IS NULL OR rpm > 0),
                    is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
                    owner_id TEXT                    -- the owning account, once accounts exist
                ) STRICT;
                """),
        SQLiteMigration(version: 2, name: "create_catalog_discovery", sql: catalogDiscoverySchema),
        SQLiteMigration(version: 3, name: "create_probe_time_series", sql: probeSchema),
    ]
}
