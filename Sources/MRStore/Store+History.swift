import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `/api/availability/{model}/history`: a model's results per provider per time bucket, for charts.
extension Store {
    /// The most buckets one history answers (window ÷ step).
    public static let maximumHistoryPoints = 10_000
    /// The longest window a history covers (the roll-ups' retention).
    public static let maximumHistoryWindow = Duration.seconds(Int64(rollupRetentionDays) * 86_400)
    /// The longest window for steps that are not whole hours: they scan every raw result of the window
    /// (the raw table is ordered by time, not by deployment), about 150 ms per million results.
    public static let maximumRawHistoryWindow = Duration.seconds(7 * 86_400)

    /// The results of `model`'s deployments in buckets of `step` covering `window` up to `now`, one point per
    /// provider per bucket that has results, ordered by start then provider.
    ///
    /// Buckets are aligned to multiples of `step` since 1970 (UTC): the last is the one holding `now`, and
    /// each is taken whole. Steps that are whole hours read the hourly roll-ups (so they reach back as far
    /// as roll-ups are kept, percentiles from histograms); shorter or uneven steps read raw results (as far
    /// back as `retention_days`, exact percentiles). `step` must be at least 1 s, `window` at least `step`
    /// and at most `maximumHistoryWindow` (`maximumRawHistoryWindow` for steps that are not whole hours),
    /// and `window ÷ step` at most `maximumHistoryPoints`; otherwise `invalidInput`.
    public func history(model: String, window: Duration, step: Duration, now: Date) async throws(StoreError)
        -> [HistoryPoint]
    {
        let stepMs = Self.milliseconds(step)
        let windowMs = Self.milliseconds(window)
        guard stepMs >= 1000 else { throw .invalidInput("step must be at least 1s") }
        guard windowMs >= stepMs else { throw .invalidInput("window must be at least one step") }
        guard window <= Self.maximumHistoryWindow else {
            throw .invalidInput("window must be at most \(Self.rollupRetentionDays) days")
        }
        let hourly = stepMs % Self.millisecondsPerHour == 0
        guard hourly || window <= Self.maximumRawHistoryWindow else {
            throw .invalidInput("a step that is not a whole number of hours covers at most 7 days")
        }
        let count = (windowMs + stepMs - 1) / stepMs
        guard count <= Self.maximumHistoryPoints else {
            throw .invalidInput("window / step must be at most \(Self.maximumHistoryPoints) points")
        }
        let lastBucket = Self.floorDivide(Self.milliseconds(now), stepMs)
        let buckets = HistoryBuckets(step: stepMs, first: lastBucket - count + 1, last: lastBucket)
        return try await read { connection in
            let points =
                hourly
                ? try Self.hourlyHistory(connection, model, buckets) : try Self.rawHistory(connection, model, buckets)
            return points.sorted { ($0.start, $0.provider) < ($1.start, $1.provider) }
        }
    }

    private static func hourlyHistory(_ connection: SQLiteConnection, _ model: String, _ buckets: HistoryBuckets)
        throws -> [HistoryPoint]
    {
        let select = try connection.cachedStatement(
            """
            SELECT d.provider, h.hour, \(ProbeRollup.columns)
            FROM deployments d JOIN probe_rollups_hourly h
                ON h.deployment_id = d.id AND h.hour >= ?2 AND h.hour < ?3
            WHERE d.model = ?1
            """)
        try select.bind(model, at: 1)
        try select.bind(buckets.start / millisecondsPerHour, at: 2)
        try select.bind(buckets.end / millisecondsPerHour, at: 3)
        var rollups: [HistoryKey: ProbeRollup] = [:]
        try select.forEachRow { row in
            let bucket = floorDivide(row.int64(at: 1) * millisecondsPerHour, buckets.step)
            rollups[HistoryKey(bucket: bucket, provider: row.string(at: 0)), default: ProbeRollup()].accumulate(
                row: row, at: 2)
        }
        return rollups.map { key, rollup in
            HistoryPoint(
                start: date(milliseconds: key.bucket * buckets.step), provider: key.provider, total: rollup.total,
                available: rollup.available, counts: rollup.countsByName, latencyP50Ms: rollup.latency.percentile(0.5),
                latencyP95Ms: rollup.latency.percentile(0.95), ttftP50Ms: rollup.ttft.percentile(0.5))
        }
    }

    private static func rawHistory(_ connection: SQLiteConnection, _ model: String, _ buckets: HistoryBuckets)
        throws -> [HistoryPoint]
    {
        struct Bucket {
            var rollup = ProbeRollup()
            var latencies: [Int] = []
            var ttfts: [Int] = []
        }
        let select = try connection.cachedStatement(
            """
            SELECT d.provider, r.checked_at, r.status, r.latency_ms, r.ttft_ms
            FROM probe_results r CROSS JOIN deployments d ON d.id = r.deployment_id
            WHERE r.checked_at >= ?2 AND r.checked_at < ?3
                AND r.deployment_id IN (SELECT id FROM deployments WHERE model = ?1)
            """)
        try select.bind(model, at: 1)
        try select.bind(buckets.start, at: 2)
        try select.bind(buckets.end, at: 3)
        var found: [HistoryKey: Bucket] = [:]
        try select.forEachRow { row in
            let key = HistoryKey(bucket: floorDivide(row.int64(at: 1), buckets.step), provider: row.string(at: 0))
            let status = ProbeStatusCode(rawValue: row.int(at: 2)) ?? .unknown
            found[key, default: Bucket()].rollup.counts[status.rawValue] += 1
            // Percentiles cover available results only, as the roll-ups do.
            guard status.isAvailable else { return }
            if let latency = row.optionalInt(at: 3) { found[key, default: Bucket()].latencies.append(latency) }
            if let ttft = row.optionalInt(at: 4) { found[key, default: Bucket()].ttfts.append(ttft) }
        }
        return found.map { key, bucket in
            let latencies = bucket.latencies.sorted()
            return HistoryPoint(
                start: date(milliseconds: key.bucket * buckets.step), provider: key.provider,
                total: bucket.rollup.total, available: bucket.rollup.available, counts: bucket.rollup.countsByName,
                latencyP50Ms: LatencyHistogram.exactPercentile(0.5, ofSorted: latencies),
                latencyP95Ms: LatencyHistogram.exactPercentile(0.95, ofSorted: latencies),
                ttftP50Ms: LatencyHistogram.exactPercentile(0.5, ofSorted: bucket.ttfts.sorted()))
        }
    }

    /// Whole milliseconds in a duration (rounded down; negative durations give negative values).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1000).overflow
            ? (seconds < 0 ? Int64.min : Int64.max) : seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// The buckets a history covers: numbers `first…last` of `step` milliseconds each.
struct HistoryBuckets: Sendable {
    var step: Int64
    var first: Int64
    var last: Int64

    /// The first bucket's start, in milliseconds since 1970.
    var start: Int64 { first * step }
    /// The end (exclusive) of the last bucket.
    var end: Int64 { (last + 1) * step }
}

private struct HistoryKey: Hashable {
    var bucket: Int64
    var provider: String
}
