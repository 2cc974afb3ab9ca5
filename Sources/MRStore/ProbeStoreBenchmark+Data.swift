import MRCommon
import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Synthetic probe history for the benchmark: deterministic, with the mix a real fleet shows.
extension ProbeStoreBenchmark {
    /// 2026-01-01T00:00:00Z, where synthetic histories start (a fixed, hour- and day-aligned origin).
    static let origin: Int64 = 1_767_225_600_000

    /// Every run measures the same rows.
    typealias Random = SplitMix64

    /// The model and provider of deployment `index`: three providers, like a real configuration.
    static func deployment(_ index: Int) -> (model: String, provider: String) {
        let providers = ["nvidia", "openrouter", "groq"]
        let publishers = ["meta", "mistralai", "google", "qwen", "deepseek-ai", "microsoft", "nvidia", "ibm"]
        return ("\(publishers[index % publishers.count])/model-\(index / 3)-instruct", providers[index % 3])
    }

    /// The result of deployment `index` probed in minute `minute` of run `runID`. One deployment in 50 is
    /// always down (auth error), one in 25 flaps by the hour, the rest are mostly `ok` with some `degraded`,
    /// timeouts, rate limits and server errors; latencies spread over a deployment-specific base.
    static func result(deployment index: Int, minute: Int64, runID: Int64?, _ random: inout Random)
        -> ProbeResultRecord
    {
        let (model, provider) = deployment(index)
        let checkedAt = origin + minute * 60_000 + Int64(index) * 53 % 60_000
        let roll = random.unit()
        var status = "ok"
        if index % 50 == 0 {
            status = "auth_error"
        } else if index % 25 == 1 && (minute / 60) % 2 == 1 {
            status = roll < 0.7 ? "error" : "timeout"
        } else if roll < 0.01 {
            status = "timeout"
        } else if roll < 0.015 {
            status = "rate_limited"
        } else if roll < 0.025 {
            status = "error"
        } else if roll < 0.075 {
            status = "degraded"
        }
        let base = 150.0 + Double(index % 20) * 90
        let spread = random.unit()
        var latency = base * (0.7 + 0.8 * spread)
        if spread > 0.97 { latency *= 4 }
        if status == "degraded" { latency += 5000 }
        let answered = status == "ok" || status == "degraded"
        let http: Int? =
            switch status {
            case "ok", "degraded": 200
            case "auth_error": 401
            case "rate_limited": 429
            case "error": 500
            default: nil
            }
        return ProbeResultRecord(
            runID: runID, model: model, provider: provider, status: status,
            latencyMs: status == "timeout" ? 30_000 : Int(latency), ttftMs: answered ? Int(latency * 0.35) : nil,
            httpStatus: http, error: answered ? nil : "upstream answered \(http.map(String.init) ?? "nothing")",
            checkedAt: Store.date(milliseconds: checkedAt))
    }

    /// `count` results, minute by minute across `deployments` (the order a probe schedule produces them).
    static func timeMajorResults(count: Int, deployments: Int, seed: UInt64) -> [ProbeResultRecord] {
        var random = Random(seed: seed)
        var records: [ProbeResultRecord] = []
        records.reserveCapacity(count)
        var minute: Int64 = 0
        while records.count < count {
            for index in 0..<deployments where records.count < count {
                records.append(result(deployment: index, minute: minute, runID: minute + 1, &random))
            }
            minute += 1
        }
        return records
    }

    /// Seeds `days` of one-minute probes of `deployments` through the real ingest (`Store.ingest`, roll-ups
    /// included), one transaction per hour of results, with one finished run per minute and an incident
    /// per hour for each flapping deployment. Returns the number of results.
    static func seed(_ store: Store, deployments: Int, days: Int) async throws -> Int {
        let minutes = Int64(days) * 1440
        try await store.write { connection in
            let insert = try connection.cachedStatement(
                """
                INSERT INTO probe_runs (id, run_trigger, started_at, finished_at, workers, delay_ms, timeout_ms,
                    total, outcome, summary)
                VALUES (?, 'schedule', ?, ?, 50, 0, 30000, ?, 'finished', '{}')
                """)
            for minute in 0..<minutes {
                insert.reset()
                let start = origin + minute * 60_000
                try insert.bind([
                    .integer(minute + 1), .integer(start), .integer(start + 59_000), .integer(Int64(deployments)),
                ])
                try insert.run()
            }
        }
        var random = Random(seed: 42)
        var total = 0
        for hour in 0..<(minutes / 60) {
            var results: [ValidatedProbeResult] = []
            results.reserveCapacity(deployments * 60)
            for minute in (hour * 60)..<(hour * 60 + 60) {
                for index in 0..<deployments {
                    results.append(
                        try Store.validated(result(deployment: index, minute: minute, runID: minute + 1, &random)))
                }
            }
            var events: [ValidatedDeploymentEvent] = []
            // The flapping deployments change state every hour.
            for index in stride(from: 1, to: deployments, by: 25) {
                let (model, provider) = deployment(index)
                let down = hour % 2 == 1
                events.append(
                    ValidatedDeploymentEvent(
                        model: model, provider: provider, fromState: down ? "up" : "down",
                        toState: down ? "down" : "up",
                        status: down ? "error" : "ok", error: down ? "upstream answered 500" : nil, source: "probe",
                        at: origin + hour * Store.millisecondsPerHour))
            }
            total += results.count
            try await store.insertProbeBatch(results: results, events: events)
        }
        return total
    }
}
