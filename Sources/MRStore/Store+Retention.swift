import Logging
import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Retention: raw results go after `retention_days`; roll-ups, reports and incidents after
/// `rollupRetentionDays`. Deletion runs in small transactions so the writer is never held for long:
/// ingest waiting behind a prune waits for one batch, not for the whole prune.
extension Store {
    /// The hourly upkeep: compacts the last two days' hourly histograms, then prunes with the configured
    /// retention: raw results older than `retentionDays` before `now`; roll-ups, finished reports and
    /// incidents older than `rollupRetentionDays` (or `retentionDays`, if longer). Returns the number of
    /// raw results deleted.
    @discardableResult
    public func pruneProbeData(now: Date, retentionDays: Int, batchSize: Int = 5000) async throws(StoreError) -> Int {
        guard retentionDays >= 1 else { throw .invalidInput("retention must be at least one day") }
        try await compactProbeRollups(now: now)
        let day = 86_400.0
        return try await pruneProbeData(
            olderThan: now.addingTimeInterval(-Double(retentionDays) * day),
            rollupsOlderThan: now.addingTimeInterval(-Double(max(retentionDays, Self.rollupRetentionDays)) * day),
            batchSize: batchSize)
    }

    /// Deletes raw results taken before `cutoff`, and, when `rollupCutoff` is given, the hourly and daily
    /// roll-ups of buckets that ended by then, finished runs started before it and events before it (except
    /// each deployment's newest event, which still says its state). About `batchSize` rows per transaction
    /// (a batch also takes the rows stamped with the same time as its last one). Returns the number of raw
    /// results deleted.
    @discardableResult
    public func pruneProbeData(
        olderThan cutoff: Date, rollupsOlderThan rollupCutoff: Date? = nil, batchSize: Int = 5000
    )
        async throws(StoreError) -> Int
    {
        guard batchSize >= 1 else { throw .invalidInput("batchSize must be at least 1") }
        let raw = try await pruneByTime(
            table: "probe_results", column: "checked_at", before: Self.milliseconds(cutoff), batchSize)
        var others: [String: Int] = [:]
        if let rollupCutoff {
            let milliseconds = Self.milliseconds(rollupCutoff)
            // A bucket goes once all of it is older than the cutoff.
            others["hourly"] = try await pruneByTime(
                table: "probe_rollups_hourly", column: "hour",
                before: Self.floorDivide(milliseconds, Self.millisecondsPerHour), batchSize)
            others["daily"] = try await pruneByTime(
                table: "probe_rollups_daily", column: "day",
                before: Self.floorDivide(milliseconds, Self.millisecondsPerDay), batchSize)
            others["runs"] = try await pruneInBatches(
                """
                DELETE FROM probe_runs WHERE id IN (
                    SELECT id FROM probe_runs WHERE outcome <> 'running' AND started_at < ?1 ORDER BY id LIMIT ?2)
                """, before: milliseconds, batchSize)
            others["events"] = try await pruneInBatches(
                """
                DELETE FROM deployment_events WHERE id IN (
                    SELECT id FROM deployment_events
                    WHERE at < ?1 AND id NOT IN (SELECT max(id) FROM deployment_events GROUP BY deployment_id)
                    ORDER BY id LIMIT ?2)
                """, before: milliseconds, batchSize)
        }
        if raw > 0 || others.values.contains(where: { $0 > 0 }) {
            var metadata: Logger.Metadata = ["raw_results": "\(raw)"]
            for (name, count) in others { metadata[name] = "\(count)" }
            logger.info("store: pruned probe data", metadata: metadata)
        }
        return raw
    }

    /// Re-encodes the hourly histograms of the hours from `now − 48 h` up to `now` compactly (each bucket
    /// once), where that makes them shorter. The ingest merges a batch into an hourly row by concatenating
    /// encodings, so a row probed often grows until this runs; the values read are the same either way.
    /// One transaction per hour of rows. Returns the number of rows rewritten.
    @discardableResult
    public func compactProbeRollups(now: Date) async throws(StoreError) -> Int {
        let last = Self.floorDivide(Self.milliseconds(now), Self.millisecondsPerHour)
        var rewritten = 0
        for hour in (last - 48)...last {
            rewritten += try await write { connection in
                let select = try connection.cachedStatement(
                    "SELECT deployment_id, latency_hist, ttft_hist FROM probe_rollups_hourly WHERE hour = ?")
                let update = try connection.cachedStatement(
                    """
                    UPDATE probe_rollups_hourly SET latency_hist = ?3, ttft_hist = ?4
                    WHERE hour = ?1 AND deployment_id = ?2
                    """)
                try select.bind(hour, at: 1)
                var changes: [(Int64, [UInt8]?, [UInt8]?)] = []
                try select.forEachRow { row in
                    let stored = (row.optionalBlob(at: 1), row.optionalBlob(at: 2))
                    let compact = (
                        stored.0.map { LatencyHistogram(encoded: $0).encoded() },
                        stored.1.map { LatencyHistogram(encoded: $0).encoded() }
                    )
                    if (compact.0?.count ?? 0) < (stored.0?.count ?? 0)
                        || (compact.1?.count ?? 0) < (stored.1?.count ?? 0)
                    {
                        changes.append((row.int64(at: 0), compact.0, compact.1))
                    }
                }
                for (deploymentID, latency, ttft) in changes {
                    update.reset()
                    try update.bind([.integer(hour), .integer(deploymentID), SQLiteValue(latency), SQLiteValue(ttft)])
                    try update.run()
                }
                return changes.count
            }
        }
        return rewritten
    }

    /// Deletes rows of a table clustered by `column` (time) with `column < cutoff`, oldest first, in
    /// transactions of about `batchSize` rows: the boundary is found with one walk of at most `batchSize`
    /// keys, then the range up to it goes in one `DELETE` (with any rows sharing the boundary's time).
    private func pruneByTime(table: String, column: String, before cutoff: Int64, _ batchSize: Int)
        async throws(StoreError) -> Int
    {
        var deleted = 0
        while true {
            let (count, done) = try await write { connection -> (Int, Bool) in
                let boundary = try connection.cachedStatement(
                    "SELECT \(column) FROM \(table) WHERE \(column) < ?1 ORDER BY \(column) LIMIT 1 OFFSET ?2")
                try boundary.bind([.integer(cutoff), .integer(Int64(batchSize - 1))])
                if let last = try boundary.first({ $0.int64(at: 0) }) {
                    let delete = try connection.cachedStatement("DELETE FROM \(table) WHERE \(column) <= ?")
                    try delete.bind(last, at: 1)
                    try delete.run()
                    return (connection.changes, false)
                }
                let delete = try connection.cachedStatement("DELETE FROM \(table) WHERE \(column) < ?")
                try delete.bind(cutoff, at: 1)
                try delete.run()
                return (connection.changes, true)
            }
            deleted += count
            if done { return deleted }
        }
    }

    /// Runs a `DELETE … LIMIT ?2` statement (`?1` being the cutoff) until it deletes less than a batch.
    private func pruneInBatches(_ sql: String, before cutoff: Int64, _ batchSize: Int) async throws(StoreError)
        -> Int
    {
        var deleted = 0
        while true {
            let count = try await write { connection in
                let delete = try connection.cachedStatement(sql)
                try delete.bind([.integer(cutoff), .integer(Int64(batchSize))])
                try delete.run()
                return connection.changes
            }
            deleted += count
            if count < batchSize { return deleted }
        }
    }
}
