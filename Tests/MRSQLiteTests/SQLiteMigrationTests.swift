import MRSQLite
import MRTestSupport
import Synchronization
import Testing

@Suite struct SQLiteMigrationTests {
    struct Boom: Error {}

    static let base: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1, name: "create_items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"),
        SQLiteMigration(version: 2, name: "add_items_price") { connection in
            try connection.execute("ALTER TABLE items ADD COLUMN price INTEGER NOT NULL DEFAULT 0")
        },
    ]

    static func recorded(_ database: SQLiteDatabase) throws -> [String] {
        try database.readSync { connection in
            try connection.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").map {
                "\($0.int(at: 0)):\($0.string(at: 1)):\($0.string(at: 2).isEmpty ? "?" : "t")"
            }
        }
    }

    static func tableExists(_ database: SQLiteDatabase, _ name: String) throws -> Bool {
        try database.readSync { connection in
            let statement = try connection.prepare(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
            try statement.bind(name, at: 1)
            return try statement.first { $0.int(at: 0) } == 1
        }
    }

    @Test func freshDatabaseGetsEveryMigration() throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.base)
        defer { database.close() }
        #expect(database.schemaVersion == 2)
        #expect(database.appliedMigrations == [1, 2])
        #expect(try Self.recorded(database) == ["1:create_items:t", "2:add_items_price:t"])
        try database.writeSync { try $0.execute("INSERT INTO items (name, price) VALUES ('a', 3)") }
    }

    @Test func reopeningAppliesOnlyNewMigrationsAndKeepsData() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        do {
            let database = try SQLiteDatabase(path: path, migrations: Self.base)
            try database.writeSync { try $0.execute("INSERT INTO items (name, price) VALUES ('kept', 5)") }
            database.close()
        }
        let applyCount = Counter()
        let appended =
            Self.base + [
                SQLiteMigration(version: 3, name: "create_tags") { connection in
                    applyCount.increment()
                    try connection.execute("CREATE TABLE tags (item_id INTEGER REFERENCES items(id), tag TEXT)")
                }
            ]
        let database = try SQLiteDatabase(path: path, migrations: appended)
        #expect(database.appliedMigrations == [3])
        #expect(database.schemaVersion == 3)
        #expect(applyCount.value == 1)
        #expect(
            try database.readSync {
                try $0.prepare("SELECT name, price FROM items").first { "\($0.string(at: 0))\($0.int(at: 1))" }
            } == "kept5")
        #expect(try Self.tableExists(database, "tags"))
        database.close()

        let again = try SQLiteDatabase(path: path, migrations: appended)
        defer { again.close() }
        #expect(again.appliedMigrations.isEmpty)
        #expect(applyCount.value == 1)
    }

    @Test func failingMigrationRollsBackEntirely() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        do {
            let database = try SQLiteDatabase(path: path, migrations: Self.base)
            try database.writeSync { try $0.execute("INSERT INTO items (name) VALUES ('before')") }
            database.close()
        }
        let failing =
            Self.base + [
                SQLiteMigration(version: 3, name: "half_done") { connection in
                    try connection.execute("CREATE TABLE half (n INTEGER)")
                    try connection.execute("DELETE FROM items")
                    throw Boom()
                }
            ]
        let error = #expect(throws: SQLiteMigrationError.self) { try SQLiteDatabase(path: path, migrations: failing) }
        #expect(error?.isFailedMigration == true)
        #expect(error?.description.contains("half_done") == true)

        let database = try SQLiteDatabase(path: path, migrations: Self.base)
        defer { database.close() }
        #expect(database.schemaVersion == 2)
        #expect(try !Self.tableExists(database, "half"))
        #expect(
            try database.readSync { try $0.prepare("SELECT name FROM items").first { $0.string(at: 0) } } == "before")
    }

    @Test func failingSQLInMigrationKeepsTheSQLiteError() throws {
        let directory = try TemporaryDirectory()
        let broken = [SQLiteMigration(version: 1, name: "typo", sql: "CREATE TABLEE x (n)")]
        let error = #expect(throws: SQLiteMigrationError.self) {
            try SQLiteDatabase(path: directory.file(), migrations: broken)
        }
        #expect(error?.underlying?.message.contains("syntax error") == true)
    }

    @Test func databaseFromANewerReleaseIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        try SQLiteDatabase(path: path, migrations: Self.base).close()

        let error = #expect(throws: SQLiteMigrationError.self) {
            try SQLiteDatabase(path: path, migrations: Array(Self.base.prefix(1)))
        }
        #expect(error?.isNewerSchema == true)
        #expect(error?.description.contains("newer") == true)

        // Untouched: the newer release still opens it.
        let database = try SQLiteDatabase(path: path, migrations: Self.base)
        defer { database.close() }
        #expect(database.schemaVersion == 2)
        #expect(database.appliedMigrations.isEmpty)
    }

    @Test func migrationCanRebuildATableWithForeignKeysOff() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        let first = [
            SQLiteMigration(
                version: 1, name: "parents_children",
                sql: """
                    CREATE TABLE parents (id INTEGER PRIMARY KEY);
                    CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id));
                    INSERT INTO parents VALUES (1);
                    INSERT INTO children VALUES (1, 1);
                    """)
        ]
        try SQLiteDatabase(path: path, migrations: first).close()
        let rebuild =
            first + [
                SQLiteMigration(version: 2, name: "rebuild_parents", disablesForeignKeys: true) { connection in
                    try connection.execute(
                        """
                        CREATE TABLE parents_new (id INTEGER PRIMARY KEY, label TEXT NOT NULL DEFAULT '');
                        INSERT INTO parents_new (id) SELECT id FROM parents;
                        DROP TABLE parents;
                        ALTER TABLE parents_new RENAME TO parents;
                        """)
                }
            ]
        let database = try SQLiteDatabase(path: path, migrations: rebuild)
        defer { database.close() }
        #expect(database.schemaVersion == 2)
        // Foreign keys are enforced again afterwards.
        #expect(throws: SQLiteError.self) {
            try database.writeSync { try $0.execute("INSERT INTO children VALUES (2, 42)") }
        }
    }
}

/// A counter migrations (which are @Sendable) can bump.
final class Counter: Sendable {
    private let storage = Mutex(0)
    var value: Int { storage.withLock { $0 } }
    func increment() { storage.withLock { $0 += 1 } }
}
