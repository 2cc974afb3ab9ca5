internal import CSQLite

/// A failure reported by SQLite (or by this wrapper around it), with SQLite's own words.
///
/// Carries the primary and extended result codes, the message from `sqlite3_errmsg` and, when known,
/// the SQL that failed, like GRDB's `DatabaseError`. Codes are plain `Int32` so that no C type leaks.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The extended result code (for example 2067, `SQLITE_CONSTRAINT_UNIQUE`).
    public let extendedResultCode: Int32
    /// SQLite's explanation, from `sqlite3_errmsg` or `sqlite3_errstr`.
    public let message: String
    /// The statement that failed, if the failure belongs to one.
    public let sql: String?

    /// The primary result code (for example 19, `SQLITE_CONSTRAINT`): the low byte of the extended code.
    public var resultCode: Int32 { extendedResultCode & 0xFF }

    /// Builds an error from a result code and a message; the code may be primary or extended.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.extendedResultCode = code
        self.message = message
        self.sql = sql
    }

    /// The operation was stopped by `sqlite3_interrupt`, usually because its task was cancelled.
    public var isInterrupted: Bool { resultCode == SQLITE_INTERRUPT }
    /// The database was locked by another connection past the busy timeout.
    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }
    /// A constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY…) was violated.
    public var isConstraint: Bool { resultCode == SQLITE_CONSTRAINT }
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    public var isUniqueConstraint: Bool {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY are macros Swift does not import.
        extendedResultCode == SQLITE_CONSTRAINT | (8 << 8) || extendedResultCode == SQLITE_CONSTRAINT | (6 << 8)
    }
    /// The connection or database was already closed when it was used.
    public var isClosed: Bool { self.extendedResultCode == SQLITE_MISUSE && message == Self.closedMessage }

    public var description: String {
        var text = "SQLite error \(extendedResultCode): \(message)"
        if let sql { text += " — SQL: \(sql)" }
        return text
    }

    // MARK: Factories

    /// The operation was interrupted (cancelled) before or while it ran.
    public static func interrupted(sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_INTERRUPT, message: "interrupted", sql: sql)
    }

    /// The database or connection was used after `close()`.
    public static var closed: SQLiteError { SQLiteError(code: SQLITE_MISUSE, message: closedMessage) }

    /// Our own code used the API wrongly (for example an empty statement or an unknown parameter name).
    public static func misuse(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }

    private static let closedMessage = "database is closed"

    /// Reads the current error of a connection handle.
    static func current(_ db: OpaquePointer?, code: Int32, sql: String? = nil) -> SQLiteError {
        let message: String
        if let db, let text = sqlite3_errmsg(db) {
            message = String(cString: text)
        } else {
            message = String(cString: sqlite3_errstr(code))
        }
        return SQLiteError(code: code, message: message, sql: sql)
    }
}
