import MRSQLite

/// Why a store operation failed.
///
/// `description` is a short, fixed label fit for logs and metrics; `detail` is the human explanation.
/// Callers map `isInvalidInput` to a 400 and `isNotFound` to a 404; anything else is a server fault.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidInput(String)
        case notFound(String)
        case database(SQLiteError)
        case migration(SQLiteMigrationError)
        case unexpected(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A value given to the store is out of range or malformed; `detail` names the field.
    public static func invalidInput(_ detail: String) -> StoreError { StoreError(.invalidInput(detail)) }

    /// The thing asked for does not exist.
    public static func notFound(_ detail: String = "not found") -> StoreError { StoreError(.notFound(detail)) }

    /// SQLite failed (I/O, a full disk, a corrupt file, a closed store…).
    public static func database(_ error: SQLiteError) -> StoreError { StoreError(.database(error)) }

    /// The database schema could not be brought up to date at start-up.
    public static func migration(_ error: SQLiteMigrationError) -> StoreError { StoreError(.migration(error)) }

    /// Wraps whatever a database call threw.
    static func wrapping(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: error
        case let error as SQLiteError: .database(error)
        case let error as SQLiteMigrationError: .migration(error)
        default: StoreError(.unexpected(String(describing: error)))
        }
    }

    /// Whether the caller sent a bad value (an HTTP 400).
    public var isInvalidInput: Bool {
        if case .invalidInput = code { return true }
        return false
    }

    /// Whether the thing asked for does not exist (an HTTP 404).
    public var isNotFound: Bool {
        if case .notFound = code { return true }
        return false
    }

    /// The SQLite error underneath, if there is one.
    public var sqliteError: SQLiteError? {
        switch code {
        case .database(let error): error
        case .migration(let error): error.underlying
        default: nil
        }
    }

    /// A human-readable explanation, safe to show to the caller for `invalidInput` and `notFound`.
    public var detail: String {
        switch code {
        case .invalidInput(let detail), .notFound(let detail), .unexpected(let detail): detail
        case .database(let error): error.description
        case .migration(let error): error.description
        }
    }

    public var description: String {
        switch code {
        case .invalidInput: "invalid_input"
        case .notFound: "not_found"
        case .database: "database"
        case .migration: "migration"
        case .unexpected: "unexpected"
        }
    }
}
