import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `/api/availability`: per deployment, the last result, uptime over four windows and latency percentiles.
///
/// Built to stay fast over a long history: the last result is in the deployment's newest hourly roll-up
/// (one index seek), the last error a column of `deployments`; the `1h` uptime reads the raw rows from an
/// hour ago to the start of the current hour, and the current hour's roll-up (so, on average, half an hour
/// of raw rows); `24h` and the percentiles read 24 hourly roll-ups per deployment;
/// `7d` and `30d` read daily roll-ups for whole days and hourly ones for the partial day at the window's
/// start. Each is one contiguous range of a table clustered by time, and all of it one read snapshot.
extension Store {
    /// Availability of every deployment with stored results or events, ordered by model then provider.
    /// `now` ends the windows (see `DeploymentAvailabilityRecord` for their exact definition).
    public func availability(now: Date) async throws(StoreError) -> [DeploymentAvailabilityRecord] {
        let windows = AvailabilityWindows(now: Self.milliseconds(now))
        return try await read { connection in try Self.availability(connection, windows) }
    }

    static func availability(_ connection: SQLiteConnection, _ windows: AvailabilityWindows) throws
        -> [DeploymentAvailabilityRecord]
    {
        var records: [DeploymentAvailabilityRecord] = []
        var ids: [Int64] = []
        let select = try connection.cachedStatement(
            """
            SELECT d.id, d.model, d.provider, h.last_status, h.last_checked_at, h.last_latency_ms, h.last_ttft_ms,
                d.last_error, d.last_error_at,
                (SELECT e.to_state FROM deployment_events e WHERE e.deployment_id = d.id ORDER BY e.id DESC LIMIT 1)
            FROM deployments d LEFT JOIN probe_rollups_hourly h ON h.deployment_id = d.id
                AND h.hour = (SELECT max(hour) FROM probe_rollups_hourly WHERE deployment_id = d.id)
            ORDER BY d.model, d.provider
            """)
        try select.forEachRow { row in
            ids.append(row.int64(at: 0))
            records.append(
                DeploymentAvailabilityRecord(
                    model: row.string(at: 1), provider: row.string(at: 2),
                    lastStatus: row.optionalInt(at: 3).map { ProbeStatusCode(rawValue: $0)?.name ?? "unknown" },
                    lastChecked: row.optionalInt64(at: 4).map(Store.date(milliseconds:)),
                    lastLatencyMs: row.optionalInt(at: 5), lastTTFTMs: row.optionalInt(at: 6),
                    lastError: row.optionalString(at: 7),
                    lastErrorAt: row.optionalInt64(at: 8).map(Store.date(milliseconds:)),
                    currentState: row.optionalString(at: 9)))
        }
        guard !records.isEmpty else { return [] }

        // Accumulators are arrays indexed like `records`, reached from a deployment id through `slots`: the
        // scans below touch tens of thousands of rows, and hashing each into dictionaries would cost more
        // than reading them.
        let slots = DeploymentSlots(ids: ids)
        // The last hour: raw results from an hour ago to the start of this hour, then this hour's roll-up.
        let hourStart = windows.hour * millisecondsPerHour
        var lastHour = try rawCounts(connection, slots, after: windows.now - millisecondsPerHour, before: hourStart)
        let day = try hourlyRollups(connection, slots, from: windows.hour - 23, through: windows.hour)
        for index in lastHour.indices { lastHour[index].add(day.last[index]) }
        var week = try hourlyCounts(connection, slots, windows.week.edgeHours)
        var month = try hourlyCounts(connection, slots, windows.month.edgeHours)
        try addDailyCounts(connection, slots, week: windows.week.days, month: windows.month.days, &week, &month)

        for index in records.indices {
            records[index].uptime1h = lastHour[index].uptime
            records[index].uptime24h = day.uptime[index].uptime
            records[index].latencyP50Ms = day.latency[index].percentile(0.5)
            records[index].latencyP95Ms = day.latency[index].percentile(0.95)
            records[index].ttftP50Ms = day.ttft[index].percentile(0.5)
            records[index].uptime7d = week[index].uptime
            records[index].uptime30d = month[index].uptime
        }
        return records
    }

    // MARK: Queries

    /// Available and counted raw results per deployment with `after < checked_at < before`.
    static func rawCounts(
        _ connection: SQLiteConnection, _ slots: DeploymentSlots, after start: Int64, before end: Int64
    )
        throws -> [UptimeCounts]
    {
        let select = try connection.cachedStatement(
            "SELECT deployment_id, status FROM probe_results WHERE checked_at > ?1 AND checked_at < ?2")
        try select.bind(start, at: 1)
        try select.bind(end, at: 2)
        var counts = [UptimeCounts](repeating: UptimeCounts(), count: slots.count)
        let unknown = ProbeStatusCode.unknown.rawValue
        let degraded = ProbeStatusCode.degraded.rawValue
        try select.forEachRow { row in
            let status = row.int(at: 1)
            guard status != unknown, let slot = slots[row.int64(at: 0)] else { return }
            counts[slot].counted += 1
            if status <= degraded { counts[slot].available += 1 }
        }
        return counts
    }

    /// Per deployment over hours `first…last`: uptime counts, latency and TTFT summaries (without sums,
    /// which availability does not show), and the uptime counts of hour `last` alone.
    static func hourlyRollups(
        _ connection: SQLiteConnection, _ slots: DeploymentSlots, from first: Int64, through last: Int64
    )
        throws -> (uptime: [UptimeCounts], latency: [LatencySummary], ttft: [LatencySummary], last: [UptimeCounts])
    {
        let select = try connection.cachedStatement(
            """
            SELECT deployment_id, hour, available, counted, latency_count, latency_min, latency_max, latency_hist,
                ttft_count, ttft_min, ttft_max, ttft_hist
            FROM probe_rollups_hourly WHERE hour >= ?1 AND hour <= ?2
            """)
        try select.bind(first, at: 1)
        try select.bind(last, at: 2)
        var uptime = [UptimeCounts](repeating: UptimeCounts(), count: slots.count)
        var latency = [LatencySummary](repeating: LatencySummary(), count: slots.count)
        var ttft = latency
        var lastHour = uptime
        try select.forEachRow { row in
            guard let slot = slots[row.int64(at: 0)] else { return }
            let counts = UptimeCounts(available: row.int(at: 2), counted: row.int(at: 3))
            uptime[slot].add(counts)
            if row.int64(at: 1) == last { lastHour[slot] = counts }
            latency[slot].accumulateExtremes(row, at: 4)
            ttft[slot].accumulateExtremes(row, at: 8)
        }
        return (uptime, latency, ttft, lastHour)
    }

    /// Available and counted results per deployment over the hours `hours`.
    static func hourlyCounts(_ connection: SQLiteConnection, _ slots: DeploymentSlots, _ hours: Range<Int64>) throws
        -> [UptimeCounts]
    {
        var counts = [UptimeCounts](repeating: UptimeCounts(), count: slots.count)
        guard !hours.isEmpty else { return counts }
        let select = try connection.cachedStatement(
            """
            SELECT deployment_id, available, counted FROM probe_rollups_hourly WHERE hour >= ?1 AND hour < ?2
            """)
        try select.bind(hours.lowerBound, at: 1)
        try select.bind(hours.upperBound, at: 2)
        try select.forEachRow { row in
            guard let slot = slots[row.int64(at: 0)] else { return }
            counts[slot].available += row.int(at: 1)
            counts[slot].counted += row.int(at: 2)
        }
        return counts
    }

    /// Adds the daily roll-ups of both windows in one pass (the week's days are the month's last days).
    static func addDailyCounts(
        _ connection: SQLiteConnection, _ slots: DeploymentSlots, week: ClosedRange<Int64>, month: ClosedRange<Int64>,
        _ weekCounts: inout [UptimeCounts], _ monthCounts: inout [UptimeCounts]
    ) throws {
        let select = try connection.cachedStatement(
            """
            SELECT day, deployment_id, available, counted FROM probe_rollups_daily
            WHERE day >= ?1 AND day <= ?2
            """)
        try select.bind(min(week.lowerBound, month.lowerBound), at: 1)
        try select.bind(max(week.upperBound, month.upperBound), at: 2)
        try select.forEachRow { row in
            guard let slot = slots[row.int64(at: 1)] else { return }
            let day = row.int64(at: 0)
            let available = row.int(at: 2)
            let counted = row.int(at: 3)
            if month.contains(day) {
                monthCounts[slot].available += available
                monthCounts[slot].counted += counted
            }
            if week.contains(day) {
                weekCounts[slot].available += available
                weekCounts[slot].counted += counted
            }
        }
    }
}

/// Positions of deployment ids in a list: an array indexed by id (ids are small and dense: assigned in
/// order, never deleted), or a dictionary should they ever be sparse.
struct DeploymentSlots {
    private var dense: [Int32] = []
    private var sparse: [Int64: Int] = [:]
    let count: Int

    init(ids: [Int64]) {
        count = ids.count
        let largest = ids.max() ?? 0
        if largest >= 0 && largest <= Int64(ids.count) * 4 + 1024 {
            dense = [Int32](repeating: -1, count: Int(largest) + 1)
            for (slot, id) in ids.enumerated() where id >= 0 { dense[Int(id)] = Int32(slot) }
        } else {
            for (slot, id) in ids.enumerated() { sparse[id] = slot }
        }
    }

    subscript(id: Int64) -> Int? {
        if !dense.isEmpty {
            guard id >= 0, id < dense.count, dense[Int(id)] >= 0 else { return nil }
            return Int(dense[Int(id)])
        }
        return sparse[id]
    }
}

/// Available results over counted ones (every result but `unknown`).
struct UptimeCounts: Sendable, Hashable {
    var available = 0
    var counted = 0

    mutating func add(_ other: UptimeCounts) {
        available += other.available
        counted += other.counted
    }

    /// Nil when nothing was counted.
    var uptime: Double? { counted > 0 ? Double(available) / Double(counted) : nil }
}

/// The roll-up buckets behind the `7d` and `30d` windows ending at `now`.
struct AvailabilityWindows: Sendable {
    /// Hours and days of one window: hours `edgeHours` (the partial day at its start) then whole days `days`.
    struct Span: Sendable {
        var edgeHours: Range<Int64>
        var days: ClosedRange<Int64>
    }

    /// Milliseconds since 1970.
    var now: Int64
    /// The hour `now` falls in.
    var hour: Int64
    var week: Span
    var month: Span

    init(now: Int64) {
        self.now = now
        hour = Store.floorDivide(now, Store.millisecondsPerHour)
        week = Self.span(hours: 7 * 24, endingAt: hour)
        month = Self.span(hours: 30 * 24, endingAt: hour)
    }

    /// The window of `hours` hours whose last hour is `last`.
    static func span(hours: Int64, endingAt last: Int64) -> Span {
        let first = last - hours + 1
        let firstWholeDay = Store.floorDivide(first + 23, 24)
        return Span(edgeHours: first..<(firstWholeDay * 24), days: firstWholeDay...Store.floorDivide(last, 24))
    }
}
