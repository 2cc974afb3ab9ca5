import Logging
import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `modelrouter bench-probestore`: the probe store's two figures, measured on the release build.
///
/// 1. Ingest: the same synthetic results (minute by minute across the deployments, as a schedule produces
///    them) written, each time into a fresh database, by a baseline (a plain prepared `INSERT` into a
///    one-table database with no index: what raw SQLite does) and by `Store.insertProbeResults` (raw rows
///    plus hourly and daily roll-ups), at 1,000 and at 10,000 results per transaction; then through
///    `ProbeResultWriter` (submit everything, then flush; it writes up to `maxBatch` per transaction).
///    Rows per second and the ratio to the baseline at the same batch size.
/// 2. `Store.availability(now:)` over `days` of one-minute history of `deployments` (21.6M results for
///    500 × 30 days), seeded through the real ingest: first call and the p50/p95 of `iterations` more,
///    the database's size per table, and a retention prune of the oldest day in 5,000-row batches.
package enum ProbeStoreBenchmark {
    /// Ingest rates at one transaction size.
    package struct IngestFigure: Sendable {
        package var rowsPerTransaction: Int
        package var baselineRowsPerSecond: Double
        package var storeRowsPerSecond: Double
    }

    /// The measured figures.
    package struct Report: Sendable, CustomStringConvertible {
        package var ingestRows = 0
        package var ingest: [IngestFigure] = []
        package var writerBatch = 0
        package var writerRowsPerSecond = 0.0
        package var submitMeanNanoseconds = 0.0
        package var submitP99Microseconds = 0.0
        package var submitMaxMicroseconds = 0.0
        package var deployments = 0
        package var days = 0
        package var seededRows = 0
        /// Nil when an existing database was reused.
        package var seedSeconds: Double?
        package var iterations = 0
        package var availabilityFirstMs = 0.0
        package var availabilityP50Ms = 0.0
        package var availabilityP95Ms = 0.0
        /// CPU time of the whole process during a call (nothing else runs meanwhile), p50.
        package var availabilityCPUP50Ms = 0.0
        /// The machine's one-minute load average when availability was measured (nil without /proc).
        package var loadAverage: String?
        package var databaseBytes = 0
        package var tableBytes: [(name: String, bytes: Int)] = []
        package var prunedRows: Int?
        package var pruneSeconds: Double?

        package var description: String {
            var lines = [
                "probe store benchmark",
                "  ingest: \(ingestRows) results, minute by minute across \(deployments) deployments (target 200k rows/s)",
            ]
            for figure in ingest {
                lines.append("    \(figure.rowsPerTransaction) rows per transaction:")
                lines.append(
                    "      baseline (plain INSERT, one table, no index): \(rate(figure.baselineRowsPerSecond)) rows/s")
                lines.append(
                    "      Store.insertProbeResults (raw + roll-ups):     \(rate(figure.storeRowsPerSecond)) rows/s "
                        + "(\(ratio(figure.storeRowsPerSecond, figure.baselineRowsPerSecond)) of baseline)")
            }
            let largest = ingest.last?.baselineRowsPerSecond ?? 0
            lines += [
                "    ProbeResultWriter, maxBatch \(writerBatch) (submit all, flush): \(rate(writerRowsPerSecond)) rows/s "
                    + "(\(ratio(writerRowsPerSecond, largest)) of baseline)",
                "    submit() on an idle writer: mean \(format(submitMeanNanoseconds)) ns; during the run: "
                    + "p99 \(format(submitP99Microseconds)) µs, max \(format(submitMaxMicroseconds)) µs "
                    + "(includes the thread being descheduled)",
                "  availability: \(deployments) deployments × \(days) days of 1-minute results = \(seededRows) rows"
                    + (seedSeconds.map { " (seeded in \(format($0)) s)" } ?? " (existing database)"),
                "    first call: \(format(availabilityFirstMs)) ms",
                "    p50 of \(iterations): \(format(availabilityP50Ms)) ms, p95 \(format(availabilityP95Ms)) ms "
                    + "(target p50 ≤ 50 ms); CPU time p50 \(format(availabilityCPUP50Ms)) ms; load average "
                    + "\(loadAverage ?? "unknown")",
                "    database: \(megabytes(databaseBytes)) MB, \(format(Double(databaseBytes) / Double(max(seededRows, 1)))) "
                    + "bytes per raw result",
            ]
            for table in tableBytes { lines.append("      \(table.name): \(megabytes(table.bytes)) MB") }
            if let prunedRows, let pruneSeconds {
                lines.append(
                    "    prune of the oldest day: \(prunedRows) rows in \(format(pruneSeconds)) s "
                        + "(\(rate(Double(prunedRows) / max(pruneSeconds, 1e-9))) rows/s, 5,000 per transaction)")
            }
            return lines.joined(separator: "\n")
        }

        private func rate(_ value: Double) -> String { String(Int(value.rounded())) }
        private func ratio(_ value: Double, _ base: Double) -> String { base > 0 ? format(value / base) + "x" : "?" }
        private func megabytes(_ bytes: Int) -> String { format(Double(bytes) / 1_048_576) }
        private func format(_ value: Double) -> String { String((value * 100).rounded() / 100) }
    }

    /// Runs both parts. With `databasePath`, the availability database is kept there, and reused (not
    /// seeded again, not pruned) when it already holds results.
    package static func run(
        deployments: Int = 500, days: Int = 30, ingestRows: Int = 500_000, iterations: Int = 21,
        databasePath: String? = nil
    ) async throws -> Report {
        let directory =
            FileManager.default.temporaryDirectory.path + "/modelrouter-bench-probestore-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "bench-probestore")
        logger.logLevel = .error

        var report = Report()
        try await measureIngest(&report, directory: directory, deployments: deployments, rows: ingestRows, logger)
        try await measureAvailability(
            &report, path: databasePath ?? directory + "/history.db", keep: databasePath != nil,
            deployments: deployments, days: days, iterations: iterations, logger)
        return report
    }

    // MARK: Ingest

    private static func measureIngest(
        _ report: inout Report, directory: String, deployments: Int, rows: Int, _ logger: Logger
    ) async throws {
        let records = timeMajorResults(count: rows, deployments: deployments, seed: 7)
        report.ingestRows = records.count
        report.deployments = deployments
        for batch in [1000, 10_000] {
            let baseline = try baselineIngest(records, batch: batch, path: directory + "/baseline-\(batch).db")
            let store = try Store(path: directory + "/ingest-\(batch).db", logger: logger)
            try await startRuns(store, for: records)
            let elapsed = try await ContinuousClock().measure {
                for start in stride(from: 0, to: records.count, by: batch) {
                    try await store.insertProbeResults(Array(records[start..<min(start + batch, records.count)]))
                }
            }
            store.close()
            report.ingest.append(
                IngestFigure(
                    rowsPerTransaction: batch, baselineRowsPerSecond: baseline,
                    storeRowsPerSecond: Double(records.count) / seconds(elapsed)))
        }

        let writerStore = try Store(path: directory + "/writer.db", logger: logger)
        try await startRuns(writerStore, for: records)
        // Capacity for every row: this measures sustained writing, not the overflow policy.
        let writer = ProbeResultWriter(store: writerStore, capacity: records.count, logger: logger)
        report.writerBatch = ProbeResultWriter.defaultMaxBatch
        var submitTimes: [Duration] = []
        submitTimes.reserveCapacity(records.count)
        let clock = ContinuousClock()
        let writerTime = await clock.measure {
            for record in records {
                let started = clock.now
                writer.submit(record)
                submitTimes.append(clock.now - started)
            }
            await writer.flush()
        }
        submitTimes.sort()
        // submit() alone, on a writer that is idle: the cost a probe pays.
        let submitTime = clock.measure { for record in records.prefix(10_000) { writer.submit(record) } }
        await writer.close()
        guard writer.droppedCount == 0 else { throw BenchmarkFailure("the writer dropped \(writer.droppedCount) rows") }
        report.writerRowsPerSecond = Double(records.count) / seconds(writerTime)
        report.submitMeanNanoseconds = seconds(submitTime) * 1e9 / Double(min(10_000, records.count))
        report.submitP99Microseconds = seconds(submitTimes[submitTimes.count * 99 / 100]) * 1e6
        report.submitMaxMicroseconds = seconds(submitTimes.last ?? .zero) * 1e6
        writerStore.close()
    }

    /// Raw SQLite on the same rows: a plain prepared `INSERT`, ids resolved beforehand, no index.
    private static func baselineIngest(_ records: [ProbeResultRecord], batch: Int, path: String) throws -> Double {
        var ids: [String: Int64] = [:]
        let rows = records.map { record in
            let key = record.model + "\u{1F}" + record.provider
            let id = ids[key] ?? Int64(ids.count + 1)
            ids[key] = id
            return (
                id, Store.milliseconds(record.checkedAt), Int64(ProbeStatusCode(name: record.status)?.rawValue ?? 7),
                record
            )
        }
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        defer { connection.close() }
        try connection.execute(
            """
            CREATE TABLE results (deployment_id INTEGER NOT NULL, checked_at INTEGER NOT NULL, status INTEGER NOT NULL,
                latency_ms INTEGER, ttft_ms INTEGER, http_status INTEGER, run_id INTEGER, error TEXT) STRICT
            """)
        let insert = try connection.prepare("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let elapsed = try ContinuousClock().measure {
            for start in stride(from: 0, to: rows.count, by: batch) {
                try connection.transaction {
                    for (id, checkedAt, status, record) in rows[start..<min(start + batch, rows.count)] {
                        insert.reset()
                        try insert.bind(id, at: 1)
                        try insert.bind(checkedAt, at: 2)
                        try insert.bind(status, at: 3)
                        try insert.bind(record.latencyMs, at: 4)
                        try insert.bind(record.ttftMs, at: 5)
                        try insert.bind(record.httpStatus, at: 6)
                        try insert.bind(record.runID, at: 7)
                        try insert.bind(record.error, at: 8)
                        try insert.run()
                    }
                }
            }
        }
        return Double(rows.count) / seconds(elapsed)
    }

    /// The runs the synthetic results name (ids 1, 2, …), as a schedule would have started them.
    private static func startRuns(_ store: Store, for records: [ProbeResultRecord]) async throws {
        let runs = records.compactMap(\.runID).max() ?? 0
        try await store.write { connection in
            let insert = try connection.cachedStatement(
                """
                INSERT INTO probe_runs (id, run_trigger, started_at, workers, delay_ms, timeout_ms, total)
                VALUES (?, 'schedule', ?, 50, 0, 30000, 0)
                """)
            for id in 1...max(runs, 1) {
                insert.reset()
                try insert.bind([.integer(id), .integer(origin + (id - 1) * 60_000)])
                try insert.run()
            }
        }
    }

    // MARK: Availability

    private static func measureAvailability(
        _ report: inout Report, path: String, keep: Bool, deployments: Int, days: Int, iterations: Int,
        _ logger: Logger
    ) async throws {
        report.deployments = deployments
        report.days = days
        report.iterations = iterations
        let store = try Store(path: path, logger: logger)
        defer { store.close() }
        let existing = try await store.read { connection in
            try connection.prepare("SELECT count(*) FROM deployments").first { $0.int(at: 0) } ?? 0
        }
        if existing == 0 {
            let clock = ContinuousClock()
            let started = clock.now
            report.seededRows = try await seed(store, deployments: deployments, days: days)
            report.seedSeconds = seconds(clock.now - started)
        } else {
            report.deployments = existing
            report.seededRows = try await store.read { connection in
                let total = ProbeStatusCode.countColumns.joined(separator: " + ")
                return try connection.prepare("SELECT sum(\(total)) FROM probe_rollups_hourly").first { $0.int(at: 0) }
                    ?? 0
            }
        }
        try store.database.checkpoint(.truncate)
        report.databaseBytes = fileSize(path) + fileSize(path + "-wal")
        report.tableBytes = (try? await tableSizes(store)) ?? []

        let now = Store.date(milliseconds: origin + Int64(days) * Store.millisecondsPerDay - 1)
        var timings: [Double] = []
        var cpuTimings: [Double] = []
        let clock = ContinuousClock()
        for iteration in 0...iterations {
            let started = clock.now
            let cpuStarted = processCPUMilliseconds()
            let records = try await store.availability(now: now)
            let elapsed = seconds(clock.now - started) * 1000
            if iteration > 0 { cpuTimings.append(processCPUMilliseconds() - cpuStarted) }
            guard records.count == report.deployments, records.allSatisfy({ $0.uptime30d != nil }) else {
                throw BenchmarkFailure("availability returned \(records.count) deployments or missing uptimes")
            }
            if iteration == 0 { report.availabilityFirstMs = elapsed } else { timings.append(elapsed) }
        }
        timings.sort()
        cpuTimings.sort()
        report.availabilityP50Ms = timings[timings.count / 2]
        report.availabilityCPUP50Ms = cpuTimings[cpuTimings.count / 2]
        report.loadAverage = loadAverage()
        report.availabilityP95Ms = timings[min(timings.count - 1, Int((Double(timings.count) * 0.95).rounded(.up)) - 1)]

        if !keep && existing == 0 {
            let started = clock.now
            report.prunedRows = try await store.pruneProbeData(
                olderThan: Store.date(milliseconds: origin + Store.millisecondsPerDay), batchSize: 5000)
            report.pruneSeconds = seconds(clock.now - started)
        }
    }

    /// Bytes per table and index (`dbstat`), largest first; empty when SQLite was built without it.
    private static func tableSizes(_ store: Store) async throws -> [(name: String, bytes: Int)] {
        let rows = try await store.read { connection in
            try connection.prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").map {
                TableSize(name: $0.string(at: 0), bytes: $0.int(at: 1))
            }
        }
        return rows.filter { $0.bytes >= 1_048_576 }.map { ($0.name, $0.bytes) }
    }

    private struct TableSize: Sendable {
        var name: String
        var bytes: Int
    }

    private static func fileSize(_ path: String) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size]
        return (size as? Int) ?? (size as? UInt64).map { Int($0) } ?? 0
    }

    /// CPU time used by this process so far, in milliseconds.
    static func processCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }

    /// The one-minute load average (`/proc/loadavg`), to read timings on a shared machine by.
    static func loadAverage() -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/loadavg") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The benchmark could not measure what it claims to (a check on its own results failed).
    package struct BenchmarkFailure: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
