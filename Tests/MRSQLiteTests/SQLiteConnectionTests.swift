import MRSQLite
import MRTestSupport
import Testing

@Suite struct SQLiteConnectionTests {
    @Test func roundTripsEveryStorageClass() throws {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)
        try connection.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, flag INTEGER)")
        let insert = try connection.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        let unicode = "héllo wörld — 漢字 🌍🚀"
        try insert.bind(Int64.min, at: 1)
        try insert.bind(-1.5e300, at: 2)
        try insert.bind(unicode, at: 3)
        try insert.bind([0, 1, 2, 255, 0], at: 4)
        try insert.bind(true, at: 5)
        try insert.run()
        #expect(connection.changes == 1)
        #expect(connection.lastInsertRowID == 1)

        insert.reset()
        insert.clearBindings()
        // Nothing bound: every column is NULL.
        try insert.run()
        #expect(connection.lastInsertRowID == 2)

        insert.reset()
        try insert.bind(["", .blob([]), "with\0nul", 0, false])
        try insert.run()

        let select = try connection.prepare("SELECT i, r, s, b, flag FROM t ORDER BY rowid")
        #expect(select.columnCount == 5)
        #expect(select.columnName(at: 2) == "s")

        #expect(try select.step())
        #expect(select.int64(at: 0) == Int64.min)
        #expect(select.double(at: 1) == -1.5e300)
        #expect(select.string(at: 2) == unicode)
        #expect(select.blob(at: 3) == [0, 1, 2, 255, 0])
        #expect(select.bool(at: 4))
        #expect(select.value(at: 2) == .text(unicode))
        #expect(!select.isNull(at: 0))

        #expect(try select.step())
        for column in Int32(0)..<5 {
            #expect(select.isNull(at: column))
            #expect(select.value(at: column) == .null)
        }
        #expect(select.optionalInt64(at: 0) == nil)
        #expect(select.optionalDouble(at: 1) == nil)
        #expect(select.optionalString(at: 2) == nil)
        #expect(select.optionalBlob(at: 3) == nil)
        #expect(select.optionalBool(at: 4) == nil)
        #expect(select.int64(at: 0) == 0)
        #expect(select.string(at: 2) == "")

        #expect(try select.step())
        // Text bound as "" reads as "", not NULL; "" as text is not ""-as-blob.
        #expect(select.value(at: 0) == .text(""))
        #expect(select.value(at: 1) == .blob([]))
        #expect(select.string(at: 2) == "with\0nul")
        #expect(select.optionalInt(at: 3) == 0)
        #expect(select.optionalBool(at: 4) == false)

        #expect(try !select.step())
    }

    @Test func bindsByNameAndRejectsUnknownNames() throws {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)
        let statement = try connection.prepare("SELECT :a || @b, $c")
        try statement.bind("x", named: ":a")
        try statement.bind("y", named: "@b")
        try statement.bind(42, named: "$c")
        #expect(try statement.first { "\($0.string(at: 0)) \($0.int(at: 1))" } == "xy 42")

        let error = #expect(throws: SQLiteError.self) { try statement.bind(1, named: ":missing") }
        #expect(error?.message.contains(":missing") == true)
    }

    @Test func errorsCarrySQLitesMessageAndTheSQL() throws {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)

        let missing = #expect(throws: SQLiteError.self) { try connection.prepare("SELECT * FROM missing_table") }
        #expect(missing?.message == "no such table: missing_table")
        #expect(missing?.sql == "SELECT * FROM missing_table")
        #expect(missing?.resultCode == 1)
        #expect(missing?.description.contains("missing_table") == true)

        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        try connection.execute("INSERT INTO t (name) VALUES (?)", ["a"])
        let duplicate = #expect(throws: SQLiteError.self) {
            try connection.execute("INSERT INTO t (name) VALUES (?)", ["a"])
        }
        #expect(duplicate?.isConstraint == true)
        #expect(duplicate?.isUniqueConstraint == true)
        #expect(duplicate?.message.contains("UNIQUE constraint failed: t.name") == true)
        #expect(duplicate?.sql == "INSERT INTO t (name) VALUES (?)")

        let script = #expect(throws: SQLiteError.self) { try connection.execute("SELECT 1; SELEC 2") }
        #expect(script?.message.contains("syntax error") == true)
        #expect(script?.isInterrupted == false)

        #expect(throws: SQLiteError.self) { try connection.prepare("SELECT 1; SELECT 2") }
        #expect(throws: SQLiteError.self) { try connection.prepare("  ") }
        // Trailing semicolons and blanks are fine.
        #expect(try connection.prepare("SELECT 7;  \n").first { $0.int(at: 0) } == 7)
    }

    @Test func openingAMissingFileReadOnlyFails() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: SQLiteError.self) {
            try SQLiteConnection(path: directory.file("absent.db"), mode: .readOnly)
        }
        #expect(error?.message.contains("absent.db") == true)
    }

    @Test func cachedStatementsAreReusedAndReset() throws {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)
        try connection.execute("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        let sql = "SELECT n, ?1 FROM t ORDER BY n"

        let first = try connection.cachedStatement(sql)
        try first.bind(99, at: 1)
        #expect(try first.step())
        #expect(first.int(at: 0) == 1)
        #expect(try first.step())
        #expect(first.int(at: 0) == 2)

        let second = try connection.cachedStatement(sql)
        #expect(first === second)
        // Back at the first row, with the binding cleared.
        #expect(try second.step())
        #expect(second.int(at: 0) == 1)
        #expect(second.isNull(at: 1))

        #expect(try connection.cachedStatement("SELECT 1") !== second)
        #expect(try connection.prepare(sql) !== second)
    }

    @Test func transactionCommitsOrRollsBack() throws {
        struct Boom: Error {}
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)
        try connection.execute("CREATE TABLE t (n INTEGER)")
        let count = { try connection.prepare("SELECT count(*) FROM t").first { $0.int(at: 0) } }

        let value = try connection.transaction {
            try connection.execute("INSERT INTO t VALUES (1)")
            return "done"
        }
        #expect(value == "done")
        #expect(try count() == 1)

        #expect(throws: Boom.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try count() == 1)
        #expect(connection.isAutocommit)

        // A nested transaction is a savepoint: its failure undoes only its own work.
        try connection.transaction {
            try connection.execute("INSERT INTO t VALUES (3)")
            _ = try? connection.transaction {
                try connection.execute("INSERT INTO t VALUES (4)")
                throw Boom()
            }
            #expect(!connection.isAutocommit)
        }
        #expect(try connection.prepare("SELECT group_concat(n) FROM t").first { $0.string(at: 0) } == "1,3")
    }

    @Test func closeIsIdempotentAndLaterUseFails() throws {
        let directory = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: directory.file(), mode: .readWrite)
        _ = try connection.cachedStatement("SELECT 1")
        connection.close()
        connection.close()
        #expect(connection.isClosed)
        let error = #expect(throws: SQLiteError.self) { try connection.execute("SELECT 1") }
        #expect(error?.isClosed == true)
    }
}
