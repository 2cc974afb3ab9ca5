import Logging
import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The ModelRouter database: one SQLite file holding API keys (and, in later releases, probe results,
/// reports, roll-ups and accounts).
///
/// Opening it creates the file if needed and applies `Store.migrations`. Each concern lives in a
/// `Store+Concern.swift` file. Async methods run on the database's own threads; the `…Sync` methods block
/// the calling thread and are meant for the CLI and for threads that cannot await (the HTTP server's).
public final class Store: Sendable {
    let database: SQLiteDatabase
    let logger: Logger

    /// Opens (creating if needed) and migrates the database at `path`, a file path.
    public init(path: String, readers: Int = 4, logger: Logger) throws(StoreError) {
        self.logger = logger
        do {
            database = try SQLiteDatabase(path: path, readers: readers, migrations: Self.migrations)
        } catch {
            let storeError = StoreError.wrapping(error)
            logger.error("store: could not open", metadata: ["path": "\(path)", "error": "\(storeError.detail)"])
            throw storeError
        }
        if !database.appliedMigrations.isEmpty {
            logger.info(
                "store: migrated",
                metadata: [
                    "path": "\(path)", "applied": "\(database.appliedMigrations)",
                    "schema_version": "\(database.schemaVersion)",
                ])
        }
        logger.debug("store: opened", metadata: ["path": "\(path)", "schema_version": "\(database.schemaVersion)"])
    }

    /// The database file.
    public var path: String { database.path }

    /// The schema version the database is at.
    public var schemaVersion: Int { database.schemaVersion }

    /// Whether the database answers a real query (`SELECT 1` on a reader connection): the `/readyz` check.
    public func isReachable() async -> Bool {
        do {
            return try await database.read { connection in
                try connection.cachedStatement("SELECT 1").first { $0.int(at: 0) } == 1
            }
        } catch {
            logger.warning("store: not reachable", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Waits for work in progress, flushes the write-ahead log into the file and closes every connection.
    /// For graceful shutdown; idempotent; later calls fail with a database error.
    public func close() {
        database.close()
        logger.debug("store: closed", metadata: ["path": "\(database.path)"])
    }

    // MARK: Helpers for the concern files

    func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws(StoreError) -> T {
        do { return try await database.write(body) } catch { throw StoreError.wrapping(error) }
    }

    func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws(StoreError) -> T {
        do { return try await database.read(body) } catch { throw StoreError.wrapping(error) }
    }

    func writeSync<T>(_ body: (SQLiteConnection) throws -> T) throws(StoreError) -> T {
        do { return try database.writeSync(body) } catch { throw StoreError.wrapping(error) }
    }

    func readSync<T>(_ body: (SQLiteConnection) throws -> T) throws(StoreError) -> T {
        do { return try database.readSync(body) } catch { throw StoreError.wrapping(error) }
    }

    /// Times are stored as integer milliseconds since 1970 (compact, indexable, fast to compare).
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Now, at the millisecond precision the database keeps, so a value reads back equal.
    static func now() -> Date {
        date(milliseconds: milliseconds(Date()))
    }
}
