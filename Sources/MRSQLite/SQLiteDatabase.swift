import Dispatch
import Synchronization

/// A database file used the way GRDB's `DatabasePool` does: one writer connection, a pool of reader
/// connections working concurrently beside it (WAL), and migrations applied at start-up.
///
/// Work runs on dedicated dispatch queues, never on the Swift cooperative thread pool: `write` and `read`
/// suspend the calling task until their closure has run on the connection. Cancelling that task interrupts
/// the SQL (`sqlite3_interrupt`); the call then throws a `SQLiteError` whose `isInterrupted` is true.
/// The `…Sync` variants block the calling thread instead, for the CLI, start-up and threads that cannot
/// await (the HTTP server's). Never call a `…Sync` method from inside a closure given to this database.
public final class SQLiteDatabase: Sendable {
    /// The database file.
    public let path: String
    /// The schema version after start-up migrations.
    public let schemaVersion: Int
    /// The migration versions this start-up applied (empty when the schema was already current).
    public let appliedMigrations: [Int]

    private let writer: ConnectionPool
    private let readers: ConnectionPool
    private let writerQueue = DispatchQueue(label: "modelrouter.sqlite.writer")
    private let readerQueue = DispatchQueue(label: "modelrouter.sqlite.readers", attributes: .concurrent)
    private let isClosed = Mutex(false)

    /// Opens or creates the database at `path` (a file: readers need to see the writer's data), applies the
    /// migrations not yet applied, and opens `readers` read-only connections.
    ///
    /// Throws `SQLiteError` when the file cannot be opened and `SQLiteMigrationError` when the schema cannot
    /// be brought up to date (including a database written by a newer release).
    public init(path: String, readers: Int = 4, busyTimeout: Duration = .seconds(5), migrations: [SQLiteMigration])
        throws
    {
        precondition(readers > 0, "a database needs at least one reader connection")
        let writerConnection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeout: busyTimeout)
        let applied = try writerConnection.migrate(migrations)
        self.schemaVersion = try writerConnection.schemaVersion()
        self.appliedMigrations = applied
        self.path = path
        self.writer = ConnectionPool([writerConnection])
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<readers {
            readerConnections.append(try SQLiteConnection(path: path, mode: .readOnly, busyTimeout: busyTimeout))
        }
        self.readers = ConnectionPool(readerConnections)
    }

    deinit {
        close()
    }

    // MARK: Async access

    /// Runs `body` on the writer connection inside a transaction (`BEGIN IMMEDIATE`), committed when it
    /// returns and rolled back when it throws. Writes are serialized in the order they were asked for.
    public func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await perform(on: writer, queue: writerQueue) { connection in
            try connection.transaction(.immediate) { try body(connection) }
        }
    }

    /// Runs `body` on the writer connection outside any transaction (for `VACUUM`, pragmas, or work that
    /// commits in several transactions of its own).
    public func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T)
        async throws -> T
    {
        try await perform(on: writer, queue: writerQueue, body)
    }

    /// Runs `body` on a reader connection, in a read transaction so that all its statements see one snapshot.
    /// Reads run concurrently with each other and with the writer.
    public func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await perform(on: readers, queue: readerQueue) { connection in
            try connection.transaction(.deferred) { try body(connection) }
        }
    }

    // MARK: Blocking access

    /// `write`, blocking the calling thread.
    public func writeSync<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try performBlocking(on: writer) { connection in
            try connection.transaction(.immediate) { try body(connection) }
        }
    }

    /// `read`, blocking the calling thread; runs on the calling thread, so it suits short, hot lookups.
    public func readSync<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try performBlocking(on: readers) { connection in
            try connection.transaction(.deferred) { try body(connection) }
        }
    }

    // MARK: Maintenance

    /// Copies the write-ahead log into the database file (by default truncating the log), blocking the
    /// calling thread while it waits its turn on the writer.
    public func checkpoint(_ mode: SQLiteCheckpointMode = .truncate) throws {
        try performBlocking(on: writer) { connection in try connection.checkpoint(mode) }
    }

    /// Waits for the work in progress, then checkpoints (truncating the log) and closes every connection.
    /// Later calls throw `SQLiteError.closed`. Idempotent; blocks the calling thread.
    public func close() {
        let first = isClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        // Readers first, so none holds a snapshot that would stop the checkpoint from truncating the log.
        readers.close()
        writer.close { connection in
            // Best effort: closing the last connection checkpoints anyway; a failure here loses nothing.
            try? connection.checkpoint(.truncate)
        }
    }

    // MARK: Running jobs

    private func perform<T: Sendable>(
        on pool: ConnectionPool, queue: DispatchQueue, _ body: @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        let lease = try await pool.checkout()
        let connection = pool.connection(lease)
        let job = Job(connection.interruptor)
        return try await withoutActuallyEscaping(body) { body in
            let carrier = BodyCarrier(body)
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                    queue.async {
                        let result = Self.run(job, lease: lease, pool: pool, carrier: carrier)
                        continuation.resume(with: result)
                    }
                }
            } onCancel: {
                job.cancel()
            }
        }
    }

    /// The part of a job that runs on the queue. The body is dropped before the caller resumes, as
    /// `withoutActuallyEscaping` requires.
    private static func run<T>(
        _ job: Job, lease: Int, pool: ConnectionPool, carrier: BodyCarrier<T>
    ) -> Result<T, any Error> {
        let connection = pool.connection(lease)
        defer { pool.checkin(lease) }
        let body = carrier.take()
        guard job.start() else { return .failure(SQLiteError.interrupted()) }
        let result = Result { try body(connection) }
        job.finish()
        Self.cleanUp(connection)
        return result
    }

    private func performBlocking<T>(on pool: ConnectionPool, _ body: (SQLiteConnection) throws -> T) throws -> T {
        let lease = try pool.checkoutBlocking()
        defer { pool.checkin(lease) }
        let connection = pool.connection(lease)
        defer { Self.cleanUp(connection) }
        return try body(connection)
    }

    /// Leaves a connection as the next holder expects it: no statement pending (so no read snapshot and no
    /// leftover interrupt), no transaction open.
    private static func cleanUp(_ connection: SQLiteConnection) {
        connection.resetCachedStatements()
        connection.rollbackQuietly()
    }
}
