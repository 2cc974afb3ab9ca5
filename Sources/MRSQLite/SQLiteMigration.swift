/// One step of a schema's history, applied once per database at start-up.
///
/// Each migration runs in its own transaction together with its row in `schema_migrations(version, name,
/// applied_at)`, so it is applied completely or not at all. Versions must increase along the list; a new
/// release appends migrations and never edits shipped ones.
public struct SQLiteMigration: Sendable {
    /// Position in the history, starting at 1.
    public let version: Int
    /// A short name for logs and for the `schema_migrations` table.
    public let name: String
    /// Turns foreign-key enforcement off while the migration runs (for table rebuilds) and checks every
    /// foreign key (`PRAGMA foreign_key_check`) before committing.
    public let disablesForeignKeys: Bool
    /// The schema change, run inside the migration's transaction.
    public let apply: @Sendable (SQLiteConnection) throws -> Void

    public init(
        version: Int, name: String, disablesForeignKeys: Bool = false,
        apply: @escaping @Sendable (SQLiteConnection) throws -> Void
    ) {
        self.version = version
        self.name = name
        self.disablesForeignKeys = disablesForeignKeys
        self.apply = apply
    }

    /// A migration that runs an SQL script.
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name) { connection in try connection.execute(sql) }
    }
}

/// Why the schema could not be brought up to date.
public struct SQLiteMigrationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case newerSchema(found: Int, known: Int)
        case failed(version: Int, name: String, reason: String)
    }

    private let code: Code
    /// The SQLite error that made a migration fail, when that is what happened.
    public let underlying: SQLiteError?

    private init(_ code: Code, underlying: SQLiteError? = nil) {
        self.code = code
        self.underlying = underlying
    }

    /// The database was written by a newer release (its schema version is unknown here): refusing to
    /// touch it rather than downgrading it.
    public static func newerSchema(found: Int, known: Int) -> SQLiteMigrationError {
        SQLiteMigrationError(.newerSchema(found: found, known: known))
    }

    /// A migration threw; its transaction was rolled back and the database keeps the previous version.
    public static func failed(version: Int, name: String, error: any Error) -> SQLiteMigrationError {
        SQLiteMigrationError(
            .failed(version: version, name: name, reason: String(describing: error)), underlying: error as? SQLiteError)
    }

    /// Whether the database belongs to a newer release.
    public var isNewerSchema: Bool {
        if case .newerSchema = code { return true }
        return false
    }

    /// Whether a migration failed (and was rolled back).
    public var isFailedMigration: Bool {
        if case .failed = code { return true }
        return false
    }

    public var description: String {
        switch code {
        case .newerSchema(let found, let known):
            "database schema version \(found) is newer than this release knows (\(known)); "
                + "it was written by a newer release and is left untouched — run that release or restore a backup"
        case .failed(let version, let name, let reason):
            "migration \(version) (\(name)) failed and was rolled back: \(reason)"
        }
    }
}

extension SQLiteConnection {
    /// Brings the schema up to date; returns the versions applied now (empty when it already was).
    func migrate(_ migrations: [SQLiteMigration]) throws -> [Int] {
        for (previous, next) in zip(migrations, migrations.dropFirst()) {
            precondition(previous.version < next.version, "migration versions must increase along the list")
        }
        precondition(migrations.first.map { $0.version > 0 } ?? true, "migration versions start at 1")
        try execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
        let known = migrations.last?.version ?? 0
        let found = try schemaVersion()
        if found > known { throw SQLiteMigrationError.newerSchema(found: found, known: known) }

        var applied: [Int] = []
        for migration in migrations where migration.version > found {
            do {
                if try apply(migration) { applied.append(migration.version) }
            } catch let error as SQLiteMigrationError {
                throw error
            } catch {
                throw SQLiteMigrationError.failed(version: migration.version, name: migration.name, error: error)
            }
        }
        return applied
    }

    /// The newest version recorded in `schema_migrations`, 0 for a new database.
    func schemaVersion() throws -> Int {
        try prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").first { $0.int(at: 0) } ?? 0
    }

    /// Applies one migration unless another process got there first; false when it was already applied.
    private func apply(_ migration: SQLiteMigration) throws -> Bool {
        // foreign_keys cannot change inside a transaction, so it is switched around it.
        if migration.disablesForeignKeys { try execute("PRAGMA foreign_keys=OFF") }
        defer { if migration.disablesForeignKeys { try? execute("PRAGMA foreign_keys=ON") } }
        return try transaction(.immediate) {
            // Checked again under the write lock: another process may have migrated meanwhile.
            let current = try schemaVersion()
            guard migration.version > current else { return false }
            try migration.apply(self)
            if migration.disablesForeignKeys {
                let violations = try prepare("PRAGMA foreign_key_check").map { $0.string(at: 0) }
                if !violations.isEmpty {
                    throw SQLiteError.misuse("foreign key violations in \(Set(violations).sorted())")
                }
            }
            try execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                    + "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                [.integer(Int64(migration.version)), .text(migration.name)])
            return true
        }
    }
}
