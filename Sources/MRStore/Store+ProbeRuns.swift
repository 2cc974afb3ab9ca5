import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Probe runs: each batch (or single probe) is a report, with its results found in the time series.
extension Store {
    /// The most runs one page returns.
    public static let maximumRunPageSize = 1000

    /// Records that a run started; returns its id (the report's `run_id`). `trigger` must be `schedule`,
    /// `manual` or `single`; the numbers must not be negative.
    public func startProbeRun(
        trigger: String, startedAt: Date, workers: Int, delayMs: Int, timeoutMs: Int, total: Int
    ) async throws(StoreError) -> Int64 {
        guard Self.probeRunTriggers.contains(trigger) else {
            throw .invalidInput("trigger must be schedule, manual or single")
        }
        guard workers >= 0, delayMs >= 0, timeoutMs >= 0, total >= 0 else {
            throw .invalidInput("workers, delay, timeout and total must not be negative")
        }
        let started = Self.milliseconds(startedAt)
        return try await write { connection in
            let insert = try connection.cachedStatement(
                """
                INSERT INTO probe_runs (run_trigger, started_at, workers, delay_ms, timeout_ms, total)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            try insert.bind([
                .text(trigger), .integer(started), SQLiteValue(workers), SQLiteValue(delayMs), SQLiteValue(timeoutMs),
                SQLiteValue(total),
            ])
            try insert.run()
            return connection.lastInsertRowID
        }
    }

    /// Records how a run ended (`finished` or `cancelled`) and its summary (results per status).
    /// Throws `notFound` for an unknown id.
    public func finishProbeRun(id: Int64, finishedAt: Date, outcome: String, summary: [String: Int])
        async throws(StoreError)
    {
        guard outcome == "finished" || outcome == "cancelled" else {
            throw .invalidInput("outcome must be finished or cancelled")
        }
        let finished = Self.milliseconds(finishedAt)
        let json = Self.encodeSummary(summary)
        let updated = try await write { connection in
            let update = try connection.cachedStatement(
                "UPDATE probe_runs SET finished_at = ?2, outcome = ?3, summary = ?4 WHERE id = ?1")
            try update.bind([.integer(id), .integer(finished), .text(outcome), .text(json)])
            try update.run()
            return connection.changes > 0
        }
        guard updated else { throw .notFound("no probe run \(id)") }
    }

    /// A run and its results (in the order they were taken); nil for an unknown id.
    public func probeRun(id: Int64) async throws(StoreError) -> (run: ProbeRunRecord, results: [ProbeResultRecord])? {
        try await read { connection in
            let select = try connection.cachedStatement("SELECT \(Self.runColumns) FROM probe_runs WHERE id = ?")
            try select.bind(id, at: 1)
            guard let run = try select.first(StoredRun.init(row:)) else { return nil }
            return (run.record, try Self.results(of: run, connection))
        }
    }

    /// The newest run (by start) and its results, optionally only among `triggers`; nil when there is none.
    public func latestProbeRun(triggers: Set<String>? = nil) async throws(StoreError) -> (
        run: ProbeRunRecord, results: [ProbeResultRecord]
    )? {
        let wanted = triggers.map { Array($0).sorted() }
        return try await read { connection in
            var sql = "SELECT \(Self.runColumns) FROM probe_runs"
            if let wanted {
                guard !wanted.isEmpty else { return nil }
                sql += " WHERE run_trigger IN (\(Array(repeating: "?", count: wanted.count).joined(separator: ", ")))"
            }
            // Ids grow with each start, so the largest is the newest, and the primary key finds it at once.
            let select = try connection.cachedStatement(sql + " ORDER BY id DESC LIMIT 1")
            if let wanted { try select.bind(wanted.map { .text($0) }) }
            guard let run = try select.first(StoredRun.init(row:)) else { return nil }
            return (run.record, try Self.results(of: run, connection))
        }
    }

    /// Runs newest first, older than the run id `cursor` when given; `limit` must be
    /// 1…`maximumRunPageSize`. The next page's cursor is the last run's id.
    public func probeRuns(before cursor: Int64?, limit: Int) async throws(StoreError) -> [ProbeRunRecord] {
        guard (1...Self.maximumRunPageSize).contains(limit) else {
            throw .invalidInput("limit must be between 1 and \(Self.maximumRunPageSize)")
        }
        return try await read { connection in
            let select = try connection.cachedStatement(
                "SELECT \(Self.runColumns) FROM probe_runs WHERE id < ? ORDER BY id DESC LIMIT ?")
            try select.bind(cursor ?? Int64.max, at: 1)
            try select.bind(limit, at: 2)
            return try select.map { StoredRun(row: $0).record }
        }
    }

    /// Marks every run still `running` (left so by a crash) `cancelled` at `at`, with a summary counted from
    /// the results it stored; returns how many. For start-up, before any new run begins.
    public func markUnfinishedProbeRunsCancelled(at date: Date) async throws(StoreError) -> Int {
        let finished = Self.milliseconds(date)
        let count = try await write { connection in
            let select = try connection.cachedStatement(
                "SELECT \(Self.runColumns) FROM probe_runs WHERE outcome = 'running' ORDER BY id")
            let runs = try select.map(StoredRun.init(row:))
            let update = try connection.cachedStatement(
                "UPDATE probe_runs SET finished_at = ?2, outcome = 'cancelled', summary = ?3 WHERE id = ?1")
            for run in runs {
                var summary: [String: Int] = [:]
                for result in try Self.results(of: run, connection) { summary[result.status, default: 0] += 1 }
                update.reset()
                try update.bind([.integer(run.record.id), .integer(finished), .text(Self.encodeSummary(summary))])
                try update.run()
            }
            return runs.count
        }
        if count > 0 {
            logger.notice("store: probe runs left running were marked cancelled", metadata: ["runs": "\(count)"])
        }
        return count
    }

    // MARK: Rows

    static let runColumns = """
        id, run_trigger, started_at, finished_at, workers, delay_ms, timeout_ms, total, outcome, summary,
        first_checked_at, last_checked_at
        """

    /// A run row: the record, and the time span of its results.
    struct StoredRun {
        var record: ProbeRunRecord
        var firstCheckedAt: Int64?
        var lastCheckedAt: Int64?

        init(row: SQLiteStatement) {
            record = ProbeRunRecord(
                id: row.int64(at: 0), trigger: row.string(at: 1), startedAt: Store.date(milliseconds: row.int64(at: 2)),
                finishedAt: row.optionalInt64(at: 3).map(Store.date(milliseconds:)), workers: row.int(at: 4),
                delayMs: row.int(at: 5), timeoutMs: row.int(at: 6), total: row.int(at: 7), outcome: row.string(at: 8),
                summary: Store.decodeSummary(row.string(at: 9)))
            firstCheckedAt = row.optionalInt64(at: 10)
            lastCheckedAt = row.optionalInt64(at: 11)
        }
    }

    /// A run's results, found through the time span it recorded: one range of the time-ordered table.
    static func results(of run: StoredRun, _ connection: SQLiteConnection) throws -> [ProbeResultRecord] {
        guard let first = run.firstCheckedAt, let last = run.lastCheckedAt else { return [] }
        let select = try connection.cachedStatement(
            """
            SELECT d.model, d.provider, r.status, r.latency_ms, r.ttft_ms, r.http_status, r.error, r.checked_at
            FROM probe_results r CROSS JOIN deployments d ON d.id = r.deployment_id
            WHERE r.checked_at >= ?2 AND r.checked_at <= ?3 AND r.run_id = ?1
            """)
        try select.bind([.integer(run.record.id), .integer(first), .integer(last)])
        let runID = run.record.id
        let results = try select.map { row in
            ProbeResultRecord(
                runID: runID, model: row.string(at: 0), provider: row.string(at: 1),
                status: ProbeStatusCode(rawValue: row.int(at: 2))?.name ?? "unknown",
                latencyMs: row.optionalInt(at: 3), ttftMs: row.optionalInt(at: 4), httpStatus: row.optionalInt(at: 5),
                error: row.optionalString(at: 6), checkedAt: Store.date(milliseconds: row.int64(at: 7)))
        }
        return results.sorted { ($0.checkedAt, $0.model, $0.provider) < ($1.checkedAt, $1.model, $1.provider) }
    }

    static func encodeSummary(_ summary: [String: Int]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(summary) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A summary read back; a damaged value reads as empty rather than failing the report.
    static func decodeSummary(_ json: String) -> [String: Int] {
        (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
    }
}
