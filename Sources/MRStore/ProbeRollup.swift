import MRSQLite

/// Count, sum, extremes and histogram of one latency measure (total latency or TTFT) over a roll-up bucket.
struct LatencySummary: Sendable, Hashable {
    var count = 0
    var sum = 0
    var minimum: Int?
    var maximum: Int?
    var histogram = LatencyHistogram()

    mutating func add(_ milliseconds: Int) {
        count += 1
        sum += milliseconds
        minimum = Swift.min(minimum ?? milliseconds, milliseconds)
        maximum = Swift.max(maximum ?? milliseconds, milliseconds)
        histogram.add(milliseconds)
    }

    private static func combine(_ first: Int?, _ second: Int?, _ pick: (Int, Int) -> Int) -> Int? {
        guard let first else { return second }
        guard let second else { return first }
        return pick(first, second)
    }

    /// Adds the five columns of a stored summary (count, sum, min, max, histogram) starting at `column`,
    /// decoding the histogram straight into this one's counts.
    mutating func accumulate(_ row: SQLiteStatement, at column: Int32) {
        let added = row.int(at: column)
        guard added > 0 else { return }
        count += added
        sum += row.int(at: column + 1)
        minimum = Self.combine(minimum, row.optionalInt(at: column + 2), Swift.min)
        maximum = Self.combine(maximum, row.optionalInt(at: column + 3), Swift.max)
        if !row.isNull(at: column + 4) { histogram.mergeEncoded(row.blob(at: column + 4)) }
    }

    /// Adds count, min, max and histogram (four columns from `column`; no sum), for availability's scan.
    mutating func accumulateExtremes(_ row: SQLiteStatement, at column: Int32) {
        let added = row.int(at: column)
        guard added > 0 else { return }
        count += added
        // Both are set whenever the count is positive.
        let low = row.int(at: column + 1)
        let high = row.int(at: column + 2)
        minimum = Swift.min(minimum ?? low, low)
        maximum = Swift.max(maximum ?? high, high)
        histogram.mergeEncoded(row.blob(at: column + 3))
    }

    func percentile(_ fraction: Double) -> Int? {
        histogram.percentile(fraction, minimum: minimum, maximum: maximum)
    }
}

/// What an hourly roll-up row holds: results per status, and latency and TTFT of the available ones.
struct ProbeRollup: Sendable, Hashable {
    /// Indexed by `ProbeStatusCode.rawValue`.
    var counts = [Int](repeating: 0, count: ProbeStatusCode.allCases.count)
    var latency = LatencySummary()
    var ttft = LatencySummary()

    /// Counts one result. Latencies of unavailable results are left out (see `DeploymentAvailabilityRecord`).
    mutating func add(status: ProbeStatusCode, latencyMs: Int?, ttftMs: Int?) {
        counts[status.rawValue] += 1
        guard status.isAvailable else { return }
        if let latencyMs { latency.add(latencyMs) }
        if let ttftMs { ttft.add(ttftMs) }
    }

    /// Every result.
    var total: Int { counts.reduce(0, +) }
    /// `ok` and `degraded`.
    var available: Int { counts[ProbeStatusCode.ok.rawValue] + counts[ProbeStatusCode.degraded.rawValue] }
    /// Every result but `unknown`: the uptime denominator.
    var counted: Int { total - counts[ProbeStatusCode.unknown.rawValue] }

    /// Results per status name, statuses without any left out.
    var countsByName: [String: Int] {
        var byName: [String: Int] = [:]
        for (index, count) in counts.enumerated() where count > 0 { byName[ProbeStatusCode.names[index]] = count }
        return byName
    }
}

extension ProbeRollup {
    /// The roll-up columns, in the order `accumulate(row:at:)` reads and `bind(to:from:)` writes them.
    static let columnNames =
        ProbeStatusCode.countColumns + [
            "latency_count", "latency_sum", "latency_min", "latency_max", "latency_hist", "ttft_count", "ttft_sum",
            "ttft_min", "ttft_max", "ttft_hist",
        ]

    /// `columnNames` as an SQL list.
    static let columns = columnNames.joined(separator: ", ")

    /// How many columns `columns` names.
    static let columnCount = Int32(columnNames.count)

    /// Adds a row's `columns` (starting at column `first`) to this roll-up.
    mutating func accumulate(row: SQLiteStatement, at first: Int32) {
        let statusCount = Int32(counts.count)
        for index in 0..<statusCount { counts[Int(index)] += row.int(at: first + index) }
        latency.accumulate(row, at: first + statusCount)
        ttft.accumulate(row, at: first + statusCount + 5)
    }

    /// Binds `columns` to parameters `first`, `first + 1`, ….
    func bind(to statement: SQLiteStatement, from first: Int32) throws {
        var index = first
        for count in counts {
            try statement.bind(count, at: index)
            index += 1
        }
        for summary in [latency, ttft] {
            try statement.bind(summary.count, at: index)
            try statement.bind(summary.sum, at: index + 1)
            try statement.bind(summary.minimum, at: index + 2)
            try statement.bind(summary.maximum, at: index + 3)
            try statement.bind(summary.count > 0 ? summary.histogram.encoded() : nil, at: index + 4)
            index += 5
        }
    }
}
