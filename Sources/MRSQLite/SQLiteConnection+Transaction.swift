internal import CSQLite

/// How a transaction takes its locks.
public enum SQLiteTransactionKind: Sendable, Hashable {
    /// Takes the write lock at once (`BEGIN IMMEDIATE`): a writer never fails halfway with SQLITE_BUSY.
    case immediate
    /// Takes locks when first needed (`BEGIN DEFERRED`): what a read-only connection uses for a snapshot.
    case deferred
}

/// How thoroughly `checkpoint` copies the write-ahead log into the database file.
public enum SQLiteCheckpointMode: Sendable, Hashable {
    /// Copies what it can without waiting for anyone.
    case passive
    /// Waits for writers, copies everything.
    case full
    /// Like `.full`, then waits for readers so the log restarts from the beginning.
    case restart
    /// Like `.restart`, then truncates the log file to zero bytes.
    case truncate
}

extension SQLiteConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (then rethrows).
    ///
    /// Inside an open transaction this nests as a savepoint, so helpers can always ask for a transaction.
    public func transaction<T>(_ kind: SQLiteTransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if !isAutocommit { return try savepoint(body) }
        try cachedStatement(kind == .immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").run()
        do {
            let value = try body()
            try cachedStatement("COMMIT").run()
            return value
        } catch {
            rollbackQuietly()
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "mr_savepoint_\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let value = try body()
            try execute("RELEASE \(name)")
            return value
        } catch {
            // Undo the savepoint's work, then drop it; the outer transaction stays open and decides.
            _ = try? execute("ROLLBACK TO \(name)")
            _ = try? execute("RELEASE \(name)")
            throw error
        }
    }

    /// Rolls back the open transaction, if any, ignoring errors: used on paths that already fail.
    ///
    /// Cached statements are reset first so that no pending statement or leftover interrupt stops the
    /// ROLLBACK, and it goes straight to `sqlite3_exec` so that a cancelled job can still clean up.
    func rollbackQuietly() {
        guard let db = try? liveHandle(), sqlite3_get_autocommit(db) == 0 else { return }
        resetCachedStatements()
        sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
    }

    /// Copies the write-ahead log into the database file (`sqlite3_wal_checkpoint_v2`).
    public func checkpoint(_ mode: SQLiteCheckpointMode = .passive) throws(SQLiteError) {
        let db = try liveHandle()
        let cMode: Int32 =
            switch mode {
            case .passive: SQLITE_CHECKPOINT_PASSIVE
            case .full: SQLITE_CHECKPOINT_FULL
            case .restart: SQLITE_CHECKPOINT_RESTART
            case .truncate: SQLITE_CHECKPOINT_TRUNCATE
            }
        let code = sqlite3_wal_checkpoint_v2(db, nil, cMode, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError.current(db, code: code, sql: "wal_checkpoint") }
    }
}
