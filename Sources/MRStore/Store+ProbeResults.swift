import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A result checked and converted to what is stored.
struct ValidatedProbeResult: Sendable, Hashable {
    var model: String
    var provider: String
    var status: ProbeStatusCode
    var latencyMs: Int?
    var ttftMs: Int?
    var httpStatus: Int?
    var error: String?
    var checkedAt: Int64
    var runID: Int64?
}

/// Ingest: raw rows and their roll-ups in one transaction.
extension Store {
    /// Stores results in one transaction: the raw rows, the hourly and daily roll-ups they fall in, the
    /// time span of their runs and the deployments' last error. All or nothing; an invalid record
    /// (unknown status, empty or oversized model or provider id) fails the whole call with `invalidInput`.
    public func insertProbeResults(_ records: [ProbeResultRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        var results: [ValidatedProbeResult] = []
        results.reserveCapacity(records.count)
        for record in records { results.append(try Self.validated(record)) }
        try await write { [results] connection in try Self.ingest(connection, results: results, events: []) }
    }

    /// Results and events in one transaction (the writer's path).
    func insertProbeBatch(results: [ValidatedProbeResult], events: [ValidatedDeploymentEvent])
        async throws(StoreError)
    {
        guard !results.isEmpty || !events.isEmpty else { return }
        try await write { connection in try Self.ingest(connection, results: results, events: events) }
    }

    static func validated(_ record: ProbeResultRecord) throws(StoreError) -> ValidatedProbeResult {
        guard let status = ProbeStatusCode(name: record.status) else {
            throw .invalidInput("status must be one of \(ProbeStatusCode.names.joined(separator: ", "))")
        }
        return ValidatedProbeResult(
            model: try validatedName(record.model, field: "model"),
            provider: try validatedName(record.provider, field: "provider"), status: status,
            latencyMs: clampedLatency(record.latencyMs), ttftMs: clampedLatency(record.ttftMs),
            httpStatus: record.httpStatus.map { min(max($0, 0), 999) }, error: truncatedError(record.error),
            checkedAt: milliseconds(record.checkedAt), runID: record.runID)
    }

    // MARK: The transaction

    /// Inserts everything inside the caller's transaction.
    static func ingest(
        _ connection: SQLiteConnection, results: [ValidatedProbeResult], events: [ValidatedDeploymentEvent]
    ) throws {
        var deployments = DeploymentIDCache()
        try deployments.preload(connection, ifUsefulFor: results.count)
        var hourly: [RollupKey: HourlyBatch] = [:]
        var runSpans = RunSpans()
        var lastErrors: [Int64: (at: Int64, error: String)] = [:]

        let insert = try connection.cachedStatement(
            """
            INSERT OR IGNORE INTO probe_results (checked_at, deployment_id, status, latency_ms, ttft_ms,
                http_status, run_id, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for result in results {
            let deploymentID = try deployments.id(model: result.model, provider: result.provider, connection)
            let checkedAt = try insertRaw(insert, connection, deploymentID, result)

            let hour = floorDivide(checkedAt, millisecondsPerHour)
            hourly[RollupKey(deploymentID: deploymentID, bucket: hour), default: HourlyBatch()].add(
                result, at: checkedAt)
            if let runID = result.runID { runSpans.add(runID, checkedAt) }
            if !result.status.isAvailable && result.status != .unknown {
                if lastErrors[deploymentID].map({ $0.at <= checkedAt }) ?? true {
                    lastErrors[deploymentID] = (checkedAt, result.error ?? result.status.name)
                }
            }
        }
        try writeHourly(connection, hourly)
        try writeDaily(connection, hourly)
        try writeRunSpans(connection, runSpans.all)
        try writeLastErrors(connection, lastErrors)
        if !events.isEmpty { try insertEvents(connection, events, &deployments) }
    }

    /// Inserts one raw row, moving it 1 ms later while its deployment already has a result at that
    /// millisecond; returns the time it was stored at.
    private static func insertRaw(
        _ insert: SQLiteStatement, _ connection: SQLiteConnection, _ deploymentID: Int64,
        _ result: ValidatedProbeResult
    ) throws -> Int64 {
        var checkedAt = result.checkedAt
        insert.reset()  // bindings must follow a reset, not a finished step
        try insert.bind(deploymentID, at: 2)
        try insert.bind(Int64(result.status.rawValue), at: 3)
        try insert.bind(result.latencyMs, at: 4)
        try insert.bind(result.ttftMs, at: 5)
        try insert.bind(result.httpStatus, at: 6)
        try insert.bind(result.runID, at: 7)
        try insert.bind(result.error, at: 8)
        for _ in 0..<1000 {
            insert.reset()
            try insert.bind(checkedAt, at: 1)
            try insert.run()
            if connection.changes > 0 { return checkedAt }
            checkedAt += 1
        }
        throw StoreError.invalidInput("more than 1000 results for one deployment within one second")
    }

    /// Merges each hour's new results into its roll-up row: an `UPDATE` (the row usually exists: a
    /// deployment-hour receives many batches), an `INSERT` when it does not. Cheaper than an `UPSERT`,
    /// which tries the insert first.
    private static func writeHourly(_ connection: SQLiteConnection, _ hourly: [RollupKey: HourlyBatch]) throws {
        let update = try connection.cachedStatement(hourlySQL.update)
        let insert = try connection.cachedStatement(hourlySQL.insert)
        func bind(_ statement: SQLiteStatement, _ key: RollupKey, _ batch: HourlyBatch) throws {
            statement.reset()
            try statement.bind(key.bucket, at: 1)
            try statement.bind(key.deploymentID, at: 2)
            try statement.bind(batch.rollup.available, at: 3)
            try statement.bind(batch.rollup.counted, at: 4)
            try batch.rollup.bind(to: statement, from: 5)
            let last = ProbeRollup.columnCount + 5
            try statement.bind(batch.last.checkedAt, at: last)
            try statement.bind(Int64(batch.last.status.rawValue), at: last + 1)
            try statement.bind(batch.last.latencyMs, at: last + 2)
            try statement.bind(batch.last.ttftMs, at: last + 3)
        }
        // In key order, so the B-tree is walked forwards rather than at random.
        for (key, batch) in hourly.sorted(by: { $0.key < $1.key }) {
            try bind(update, key, batch)
            try update.run()
            if connection.changes == 0 {
                try bind(insert, key, batch)
                try insert.run()
            }
        }
    }

    /// The hourly statements, both with the hour as ?1, the deployment as ?2, then available and counted,
    /// the roll-up columns and the newest result from ?3 on. The update adds counts and sums, combines
    /// extremes, concatenates histogram encodings (cast back to a blob: `||` yields text) and keeps the
    /// newer last result.
    private static let hourlySQL: (update: String, insert: String) = {
        let columns =
            ["available", "counted"] + ProbeRollup.columnNames
            + ["last_checked_at", "last_status", "last_latency_ms", "last_ttft_ms"]
        func parameter(_ column: String) -> String { "?\(columns.firstIndex(of: column)! + 3)" }
        var updates = (["available", "counted"] + ProbeStatusCode.countColumns).map {
            "\($0) = \($0) + \(parameter($0))"
        }
        for measure in ["latency", "ttft"] {
            for name in ["\(measure)_count", "\(measure)_sum"] {
                updates.append("\(name) = \(name) + \(parameter(name))")
            }
            for pick in ["min", "max"] {
                let name = "\(measure)_\(pick)"
                updates.append("\(name) = coalesce(\(pick)(\(name), \(parameter(name))), \(name), \(parameter(name)))")
            }
            let hist = "\(measure)_hist"
            let added = parameter(hist)
            updates.append(
                "\(hist) = CASE WHEN \(hist) IS NULL THEN \(added) WHEN \(added) IS NULL THEN \(hist) "
                    + "ELSE CAST(\(hist) || \(added) AS BLOB) END")
        }
        // Every expression of an UPDATE sees the row's old values: these compare with the old time.
        let time = parameter("last_checked_at")
        let newer = "\(time) >= coalesce(last_checked_at, \(time))"
        for column in ["last_status", "last_latency_ms", "last_ttft_ms"] {
            updates.append("\(column) = CASE WHEN \(newer) THEN \(parameter(column)) ELSE \(column) END")
        }
        updates.append("last_checked_at = max(coalesce(last_checked_at, \(time)), \(time))")
        let update = """
            UPDATE probe_rollups_hourly SET \(updates.joined(separator: ", ")) WHERE hour = ?1 AND deployment_id = ?2
            """
        let insert = """
            INSERT INTO probe_rollups_hourly (hour, deployment_id, \(columns.joined(separator: ", ")))
            VALUES (\((1...(columns.count + 2)).map { "?\($0)" }.joined(separator: ", ")))
            """
        return (update, insert)
    }()

    /// Adds the batch's available and counted results to the daily roll-ups, summed from its hourly
    /// groups: an `UPDATE`, or an `INSERT` for a new day.
    private static func writeDaily(_ connection: SQLiteConnection, _ hourly: [RollupKey: HourlyBatch]) throws {
        var daily: [RollupKey: UptimeCounts] = [:]
        for (key, batch) in hourly {
            let day = RollupKey(deploymentID: key.deploymentID, bucket: floorDivide(key.bucket, 24))
            daily[day, default: UptimeCounts()].add(
                UptimeCounts(available: batch.rollup.available, counted: batch.rollup.counted))
        }
        let update = try connection.cachedStatement(
            """
            UPDATE probe_rollups_daily SET available = available + ?3, counted = counted + ?4
            WHERE day = ?1 AND deployment_id = ?2
            """)
        let insert = try connection.cachedStatement(
            "INSERT INTO probe_rollups_daily (day, deployment_id, available, counted) VALUES (?1, ?2, ?3, ?4)")
        for (key, counts) in daily.sorted(by: { $0.key < $1.key }) {
            for statement in [update, insert] {
                statement.reset()
                try statement.bind([
                    .integer(key.bucket), .integer(key.deploymentID), .integer(Int64(counts.available)),
                    .integer(Int64(counts.counted)),
                ])
                try statement.run()
                if connection.changes > 0 { break }
            }
        }
    }

    private static func writeRunSpans(_ connection: SQLiteConnection, _ spans: [Int64: (first: Int64, last: Int64)])
        throws
    {
        guard !spans.isEmpty else { return }
        let update = try connection.cachedStatement(
            """
            UPDATE probe_runs SET first_checked_at = min(coalesce(first_checked_at, ?2), ?2),
                last_checked_at = max(coalesce(last_checked_at, ?3), ?3)
            WHERE id = ?1
            """)
        for (runID, span) in spans {
            update.reset()
            try update.bind([.integer(runID), .integer(span.first), .integer(span.last)])
            try update.run()
        }
    }

    private static func writeLastErrors(_ connection: SQLiteConnection, _ errors: [Int64: (at: Int64, error: String)])
        throws
    {
        guard !errors.isEmpty else { return }
        let update = try connection.cachedStatement(
            "UPDATE deployments SET last_error = ?2, last_error_at = ?3 WHERE id = ?1 AND coalesce(last_error_at, -1) <= ?3"
        )
        for (deploymentID, last) in errors {
            update.reset()
            try update.bind([.integer(deploymentID), .text(last.error), .integer(last.at)])
            try update.run()
        }
    }

    /// `value / divisor` rounded towards minus infinity (times before 1970 stay in the right bucket).
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

/// A roll-up row's key: an hour or day number and a deployment, ordered as the tables cluster them.
struct RollupKey: Hashable, Comparable, Sendable {
    var deploymentID: Int64
    var bucket: Int64

    static func < (lhs: RollupKey, rhs: RollupKey) -> Bool {
        (lhs.bucket, lhs.deploymentID) < (rhs.bucket, rhs.deploymentID)
    }
}

/// The time span of each run's results in a batch. Results of one run usually come one after another,
/// so the current run's span is kept aside and only stored in the dictionary when another run comes.
struct RunSpans {
    private var spans: [Int64: (first: Int64, last: Int64)] = [:]
    private var current: (run: Int64, first: Int64, last: Int64)?

    mutating func add(_ run: Int64, _ checkedAt: Int64) {
        if let span = current, span.run == run {
            current = (run, min(span.first, checkedAt), max(span.last, checkedAt))
            return
        }
        flush()
        let stored = spans[run] ?? (checkedAt, checkedAt)
        current = (run, min(stored.first, checkedAt), max(stored.last, checkedAt))
    }

    private mutating func flush() {
        if let span = current { spans[span.run] = (span.first, span.last) }
        current = nil
    }

    var all: [Int64: (first: Int64, last: Int64)] {
        var copy = self
        copy.flush()
        return copy.spans
    }
}

/// One deployment-hour of a batch: its roll-up, and its newest result.
struct HourlyBatch: Sendable {
    var rollup = ProbeRollup()
    var last = (checkedAt: Int64.min, status: ProbeStatusCode.unknown, latencyMs: Int?.none, ttftMs: Int?.none)

    mutating func add(_ result: ValidatedProbeResult, at checkedAt: Int64) {
        rollup.add(status: result.status, latencyMs: result.latencyMs, ttftMs: result.ttftMs)
        if checkedAt >= last.checkedAt { last = (checkedAt, result.status, result.latencyMs, result.ttftMs) }
    }
}

/// Deployment ids resolved within one transaction: looked up, or created, once per pair.
struct DeploymentIDCache {
    private struct Key: Hashable {
        var model: String
        var provider: String
    }

    private var ids: [Key: Int64] = [:]

    /// Reads every deployment at once when a batch is large next to the fleet (one scan beats a lookup per
    /// deployment), judging the fleet's size by the largest id.
    mutating func preload(_ connection: SQLiteConnection, ifUsefulFor resultCount: Int) throws {
        let largest = try connection.cachedStatement("SELECT max(id) FROM deployments").first { $0.int(at: 0) } ?? 0
        guard largest > 0, resultCount * 2 >= largest else { return }
        try connection.cachedStatement("SELECT id, model, provider FROM deployments").forEachRow { row in
            ids[Key(model: row.string(at: 1), provider: row.string(at: 2))] = row.int64(at: 0)
        }
    }

    mutating func id(model: String, provider: String, _ connection: SQLiteConnection) throws -> Int64 {
        let key = Key(model: model, provider: provider)
        if let id = ids[key] { return id }
        let select = try connection.cachedStatement("SELECT id FROM deployments WHERE model = ? AND provider = ?")
        try select.bind(model, at: 1)
        try select.bind(provider, at: 2)
        let id: Int64
        if let existing = try select.first({ $0.int64(at: 0) }) {
            id = existing
        } else {
            let insert = try connection.cachedStatement("INSERT INTO deployments (model, provider) VALUES (?, ?)")
            try insert.bind(model, at: 1)
            try insert.bind(provider, at: 2)
            try insert.run()
            id = connection.lastInsertRowID
        }
        ids[key] = id
        return id
    }
}
