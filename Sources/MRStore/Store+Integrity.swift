extension Store {
    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound database, else the problems it found.
    /// For the crash-recovery tests and operators.
    public func integrityCheck() async throws(StoreError) -> [String] {
        try await read { connection in
            try connection.prepare("PRAGMA integrity_check").map { $0.string(at: 0) ?? "" }
        }
    }
}
