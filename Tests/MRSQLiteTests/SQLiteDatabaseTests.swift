import Dispatch
import MRSQLite
import MRTestSupport
import Testing

@Suite struct SQLiteDatabaseTests {
    static let migrations = [
        SQLiteMigration(version: 1, name: "numbers", sql: "CREATE TABLE numbers (n INTEGER NOT NULL)")
    ]

    /// Counts to a billion: minutes of work unless interrupted.
    static let endlessQuery = """
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
        SELECT count(*) FROM c
        """

    static func count(_ connection: SQLiteConnection) throws -> Int {
        try connection.cachedStatement("SELECT count(*) FROM numbers").first { $0.int(at: 0) } ?? -1
    }

    @Test func walSynchronousAndForeignKeysAreOn() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { database.close() }
        let pragma = { @Sendable (connection: SQLiteConnection, name: String) throws -> String in
            try connection.prepare("PRAGMA \(name)").first { $0.string(at: 0) } ?? ""
        }
        let writer = try await database.writeWithoutTransaction { connection in
            [
                try pragma(connection, "journal_mode"), try pragma(connection, "synchronous"),
                try pragma(connection, "foreign_keys"),
            ]
        }
        #expect(writer == ["wal", "1", "1"])
        let reader = try await database.read { connection in try pragma(connection, "journal_mode") }
        #expect(reader == "wal")
    }

    @Test func writesAreReadBackAsyncAndSync() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), readers: 2, migrations: Self.migrations)
        defer { database.close() }
        let rowID = try await database.write { connection in
            let insert = try connection.cachedStatement("INSERT INTO numbers (n) VALUES (?)")
            for n in 1...1000 {
                try insert.bind(n, at: 1)
                try insert.run()
                insert.reset()
            }
            return connection.lastInsertRowID
        }
        #expect(rowID == 1000)
        #expect(try await database.read(Self.count) == 1000)
        try database.writeSync { try $0.execute("DELETE FROM numbers WHERE n > 10") }
        #expect(try database.readSync(Self.count) == 10)
    }

    @Test func failedWriteRollsBack() async throws {
        struct Boom: Error {}
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { database.close() }
        await #expect(throws: Boom.self) {
            try await database.write { connection in
                try connection.execute("INSERT INTO numbers VALUES (1)")
                throw Boom()
            }
        }
        #expect(try await database.read(Self.count) == 0)
        // The writer is usable afterwards.
        try await database.write { try $0.execute("INSERT INTO numbers VALUES (1)") }
        #expect(try await database.read(Self.count) == 1)
    }

    @Test func readersAreNotBlockedByALongWriteTransaction() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), readers: 3, migrations: Self.migrations)
        defer { database.close() }
        try await database.write { try $0.execute("INSERT INTO numbers VALUES (1)") }

        let (inserted, insertedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let writing = Task {
            try await database.write { connection in
                try connection.execute("INSERT INTO numbers VALUES (2)")
                insertedContinuation.yield()
                // Hold the write transaction open until the readers are done.
                release.wait()
            }
        }
        var iterator = inserted.makeAsyncIterator()
        await iterator.next()

        do {
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<9 { group.addTask { try await database.read(Self.count) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Every reader saw the committed row only, while the writer held its transaction.
            #expect(counts == Array(repeating: 1, count: 9))
            #expect(try database.readSync(Self.count) == 1)
        } catch {
            release.signal()
            throw error
        }
        release.signal()
        try await writing.value
        #expect(try await database.read(Self.count) == 2)
    }

    @Test func cancellingALongReadInterruptsIt() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { database.close() }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let clock = ContinuousClock()
        let reading = Task {
            try await database.read { connection in
                let statement = try connection.prepare(Self.endlessQuery)
                startedContinuation.yield()
                return try statement.first { $0.int(at: 0) }
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        // Not needed for correctness (a cancellation before the first step is refused too); it only makes
        // it likely that sqlite3_interrupt lands while SQLite is counting.
        try await Task.sleep(for: .milliseconds(50))
        let cancelledAt = clock.now
        reading.cancel()
        let result = await reading.result
        let elapsed = clock.now - cancelledAt
        #expect(throws: SQLiteError.interrupted(sql: Self.endlessQuery)) { try result.get() }
        #expect(elapsed < .seconds(5))

        // The connection is healthy afterwards: a fresh read on every reader works.
        for _ in 0..<8 { #expect(try await database.read { try $0.prepare("SELECT 1").first { $0.int(at: 0) } } == 1) }
    }

    @Test func cancellingALongWriteInterruptsAndRollsBack() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { database.close() }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let writing = Task {
            try await database.write { connection in
                try connection.execute("INSERT INTO numbers VALUES (1)")
                startedContinuation.yield()
                try connection.execute("INSERT INTO numbers " + Self.endlessQuery)
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        writing.cancel()
        let result = await writing.result
        let error = #expect(throws: SQLiteError.self) { try result.get() }
        #expect(error?.isInterrupted == true)
        #expect(try await database.read(Self.count) == 0)
        try await database.write { try $0.execute("INSERT INTO numbers VALUES (1)") }
        #expect(try await database.read(Self.count) == 1)
    }

    @Test func cancellingWhileWaitingForTheWriterGivesUpTheTurn() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { database.close() }
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let holding = Task {
            try await database.write { _ in
                startedContinuation.yield()
                release.wait()
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        let waiting = Task { try await database.write { try $0.execute("INSERT INTO numbers VALUES (1)") } }
        waiting.cancel()
        let result = await waiting.result
        release.signal()
        try await holding.value
        let error = #expect(throws: SQLiteError.self) { try result.get() }
        #expect(error?.isInterrupted == true)
        #expect(try await database.read(Self.count) == 0)
    }

    @Test func closeIsIdempotentAndRefusesLaterWork() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        let database = try SQLiteDatabase(path: path, migrations: Self.migrations)
        try await database.write { try $0.execute("INSERT INTO numbers VALUES (1)") }
        database.close()
        database.close()
        let readError = await #expect(throws: SQLiteError.self) { try await database.read(Self.count) }
        #expect(readError?.isClosed == true)
        let writeError = #expect(throws: SQLiteError.self) { try database.writeSync { _ in } }
        #expect(writeError?.isClosed == true)

        // Close checkpointed with TRUNCATE: the data is in the main file and the log is empty or gone.
        let reopened = try SQLiteDatabase(path: path, migrations: Self.migrations)
        defer { reopened.close() }
        #expect(try reopened.readSync(Self.count) == 1)
    }

    @Test func closeWaitsForWorkInProgress() async throws {
        let directory = try TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let writing = Task {
            try await database.write { connection in
                startedContinuation.yield()
                release.wait()
                try connection.execute("INSERT INTO numbers VALUES (1)")
            }
        }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        let closed = Task.detached { database.close() }
        release.signal()
        await closed.value
        try await writing.value
        let reopened = try SQLiteDatabase(path: directory.file(), migrations: Self.migrations)
        defer { reopened.close() }
        #expect(try reopened.readSync(Self.count) == 1)
    }
}
