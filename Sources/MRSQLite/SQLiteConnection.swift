internal import CSQLite

/// One SQLite connection (`sqlite3 *`), configured the way this project always wants it, closed in `deinit`.
///
/// A read-write connection creates the file if needed and turns on WAL, `synchronous=NORMAL`,
/// `foreign_keys=ON` and a busy timeout; a read-only one gets the busy timeout and `foreign_keys=ON`.
/// Not thread-safe: use it from one thread at a time (`SQLiteDatabase` makes sure of that). Only
/// `interrupt()` may be called from elsewhere — through the database, which knows when that is safe.
public final class SQLiteConnection {
    /// How the file is opened.
    public enum Mode: Sendable, Hashable {
        /// Read and write, creating the file if it does not exist.
        case readWrite
        /// Read only; the file must exist.
        case readOnly
    }

    /// The database file.
    public let path: String
    /// How the file was opened.
    public let mode: Mode
    /// Nil once closed.
    private var handle: OpaquePointer?
    let interruptor: Interruptor
    private var statementCache: [String: SQLiteStatement] = [:]
    var savepointDepth = 0

    /// Opens (and for `.readWrite`, creates) the database at `path` and applies the connection settings.
    public init(path: String, mode: Mode, busyTimeout: Duration = .seconds(5)) throws(SQLiteError) {
        var db: OpaquePointer?
        // NOMUTEX: each connection is confined to one thread at a time by its owner, so SQLite's own
        // per-connection mutex would only cost time. sqlite3_interrupt stays safe across threads.
        var flags = SQLITE_OPEN_NOMUTEX
        flags |= mode == .readWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError.current(db, code: code)
            sqlite3_close_v2(db)
            throw SQLiteError(code: error.extendedResultCode, message: "\(error.message) (path: \(path))")
        }
        self.path = path
        self.mode = mode
        self.handle = db
        self.interruptor = Interruptor(db)

        sqlite3_extended_result_codes(db, 1)
        let (seconds, attoseconds) = busyTimeout.components
        sqlite3_busy_timeout(db, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        // From here on a throw runs deinit, which closes the handle.
        if mode == .readWrite {
            let pragma = try prepare("PRAGMA journal_mode=WAL")
            let journalMode = try pragma.step() ? pragma.string(at: 0) : nil
            // An in-memory or temporary database answers "memory"; a file must really be in WAL mode.
            if journalMode != "wal" && journalMode != "memory" {
                throw SQLiteError.misuse("could not enable WAL (journal_mode is \(journalMode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous=NORMAL")
        }
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        closeHandle()
    }

    /// Finalizes the cached statements and closes the connection. Idempotent. Statements still held
    /// elsewhere keep the handle alive (as a zombie) until they are gone, as `sqlite3_close_v2` promises.
    public func close() {
        closeHandle()
    }

    private func closeHandle() {
        guard let handle else { return }
        interruptor.detach()
        statementCache.removeAll()
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Whether `close()` was called.
    public var isClosed: Bool { handle == nil }

    func liveHandle() throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw .closed }
        return handle
    }

    // MARK: Statements

    /// Runs one or more SQL statements separated by semicolons, discarding any rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let db = try liveHandle()
        if interruptor.isCancelled { throw .interrupted(sql: sql) }
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(db), message: text, sql: sql)
        }
    }

    /// Runs one statement with positional arguments, discarding any rows.
    public func execute(_ sql: String, _ arguments: [SQLiteValue]) throws(SQLiteError) {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        try statement.run()
    }

    /// Prepares a new statement from exactly one SQL statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try prepare(sql, flags: 0)
    }

    /// A prepared statement kept for reuse on this connection: the same object each time for the same SQL,
    /// reset and with its bindings cleared on every checkout. For hot paths. Do not check out the same SQL
    /// again while still stepping through the first checkout's rows.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try prepare(sql, flags: UInt32(SQLITE_PREPARE_PERSISTENT))
        statementCache[sql] = statement
        return statement
    }

    private func prepare(_ sql: String, flags: UInt32) throws(SQLiteError) -> SQLiteStatement {
        let db = try liveHandle()
        var statement: OpaquePointer?
        var trailingSQL = false
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(db, text, -1, flags, &statement, &tail)
            // Anything but blanks and semicolons after the first statement would be silently ignored.
            if code == SQLITE_OK, let tail, Self.hasMoreSQL(tail) {
                trailingSQL = true
            }
            return code
        }
        guard code == SQLITE_OK else { throw SQLiteError.current(db, code: code, sql: sql) }
        guard let statement else { throw .misuse("empty statement", sql: sql) }
        guard !trailingSQL else {
            sqlite3_finalize(statement)
            throw .misuse("more than one statement; use execute() for a script", sql: sql)
        }
        return SQLiteStatement(handle: statement, db: db, interruptor: interruptor, sql: sql)
    }

    private static func hasMoreSQL(_ tail: UnsafePointer<CChar>) -> Bool {
        var pointer = tail
        while pointer.pointee != 0 {
            switch UInt8(bitPattern: pointer.pointee) {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ";"):
                pointer += 1
            default:
                return true
            }
        }
        return false
    }

    /// Resets every cached statement, so none holds a read snapshot or a pending interrupt open.
    func resetCachedStatements() {
        for statement in statementCache.values { statement.reset() }
    }

    // MARK: State

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// Whether no transaction is open.
    public var isAutocommit: Bool { handle.map { sqlite3_get_autocommit($0) != 0 } ?? true }

    /// Makes the statements running on this connection fail with `SQLITE_INTERRUPT` as soon as possible.
    /// Safe from another thread (SQLite's guarantee); `SQLiteDatabase` does this on task cancellation.
    public func interrupt() {
        interruptor.interrupt()
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
