internal import CSQLite

/// One prepared statement (`sqlite3_stmt`), finalized when the object goes away.
///
/// Bind parameters (1-based, like SQLite), `step()` through the rows and read columns (0-based). Text and
/// blobs are bound with `SQLITE_TRANSIENT`, so SQLite keeps its own copy. Not thread-safe: it belongs to
/// its connection and to whoever holds that connection.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// The connection's handle, for error messages. `sqlite3_close_v2` keeps it valid while we live.
    private let db: OpaquePointer
    private let interruptor: Interruptor
    /// The SQL this statement was prepared from.
    public let sql: String

    init(handle: OpaquePointer, db: OpaquePointer, interruptor: Interruptor, sql: String) {
        self.handle = handle
        self.db = db
        self.interruptor = interruptor
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Stepping

    /// Runs the statement to its next row: `true` when a row is ready to read, `false` when it is done.
    public func step() throws(SQLiteError) -> Bool {
        if interruptor.isCancelled { throw .interrupted(sql: sql) }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError.current(db, code: code, sql: sql)
        }
    }

    /// Steps until the statement is done, ignoring any rows (for INSERT, UPDATE, DELETE, DDL).
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    /// Rewinds the statement so it can run again; bindings are kept. Ends its read snapshot, if any.
    public func reset() {
        // The code returned repeats the last step's error, which was already reported.
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: Row helpers

    /// Steps through every row, handing the statement (positioned on the row) to `body`.
    public func forEachRow(_ body: (SQLiteStatement) throws -> Void) throws {
        while try step() { try body(self) }
    }

    /// The rows, each turned into a value by `transform`.
    public func map<T>(_ transform: (SQLiteStatement) throws -> T) throws -> [T] {
        var values: [T] = []
        while try step() { values.append(try transform(self)) }
        return values
    }

    /// The first row turned into a value, or nil when there is none. Resets the statement afterwards, so
    /// that it does not hold a read snapshot open.
    public func first<T>(_ transform: (SQLiteStatement) throws -> T) throws -> T? {
        defer { reset() }
        return try step() ? transform(self) : nil
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
