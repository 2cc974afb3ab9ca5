import Foundation
import Testing

@testable import MRStore

@Suite struct ProbeIngestTests {
    static let deployments = [("meta/llama", "nvidia"), ("meta/llama", "groq"), ("mistral/large", "nvidia")]

    /// The roll-ups, built batch by batch in the ingest transactions, equal what the raw rows they
    /// summarise say: counts per status, latency and TTFT count/sum/min/max of available results, and
    /// percentiles from the histograms within the documented error of the exact ones.
    @Test(arguments: [UInt64(1), 2, 3])
    func rollupsEqualTheRawDataTheySummarise(seed: UInt64) async throws {
        let fixture = try ProbeStoreFixture()
        var results = randomResults(seed: seed, deployments: Self.deployments, minutes: 3 * 24 * 60, every: 7)
        var random = TestRandom(seed: seed)
        // Batches of uneven sizes in shuffled order: roll-up rows are created, then merged into many times.
        results.shuffle(using: &random)
        var start = 0
        while start < results.count {
            let end = min(results.count, start + random.int(1...400))
            try await fixture.store.insertProbeResults(Array(results[start..<end]))
            start = end
        }

        let raw = try await fixture.integers(
            "SELECT deployment_id, checked_at, status, latency_ms, ttft_ms FROM probe_results")
        #expect(raw.count == results.count)
        struct Expected {
            var counts = [Int](repeating: 0, count: 8)
            var latencies: [Int] = []
            var ttfts: [Int] = []
        }
        var hourly: [[Int64]: Expected] = [:]
        var daily: [[Int64]: [Int]] = [:]
        for row in raw {
            let (deployment, checkedAt, status) = (row[0]!, row[1]!, Int(row[2]!))
            let hourKey = [deployment, checkedAt / 3_600_000]
            hourly[hourKey, default: Expected()].counts[status] += 1
            daily[[deployment, checkedAt / 86_400_000], default: [Int](repeating: 0, count: 8)][status] += 1
            guard status <= 1 else { continue }  // ok, degraded
            if let latency = row[3] { hourly[hourKey, default: Expected()].latencies.append(Int(latency)) }
            if let ttft = row[4] { hourly[hourKey, default: Expected()].ttfts.append(Int(ttft)) }
        }

        let rollups = try await fixture.store.read { connection in
            try connection.prepare(
                "SELECT deployment_id, hour, available, counted, \(ProbeRollup.columns) FROM probe_rollups_hourly"
            )
            .map { row in
                var rollup = ProbeRollup()
                rollup.accumulate(row: row, at: 4)
                return ([row.int64(at: 0), row.int64(at: 1)], row.int(at: 2), row.int(at: 3), rollup)
            }
        }
        #expect(rollups.count == hourly.count)
        for (key, available, counted, rollup) in rollups {
            let expected = try #require(hourly[key])
            #expect(rollup.counts == expected.counts)
            #expect(available == expected.counts[0] + expected.counts[1])
            #expect(counted == expected.counts.dropLast().reduce(0, +))
            for (summary, values) in [(rollup.latency, expected.latencies), (rollup.ttft, expected.ttfts)] {
                #expect(summary.count == values.count)
                #expect(summary.sum == values.reduce(0, +))
                #expect(summary.minimum == values.min())
                #expect(summary.maximum == values.max())
                #expect(summary.histogram.total == values.count)
                let sorted = values.sorted()
                for fraction in [0.5, 0.95, 0.99] {
                    let exact = LatencyHistogram.exactPercentile(fraction, ofSorted: sorted)
                    let estimate = summary.percentile(fraction)
                    #expect(Self.isWithinError(estimate, exact), "p\(fraction) of \(sorted)")
                }
            }
        }
        let dailyRows = try await fixture.integers(
            "SELECT deployment_id, day, available, counted FROM probe_rollups_daily")
        #expect(dailyRows.count == daily.count)
        for row in dailyRows {
            let counts = try #require(daily[[row[0]!, row[1]!]])
            #expect(Int(row[2]!) == counts[0] + counts[1])  // ok + degraded
            #expect(Int(row[3]!) == counts.dropLast().reduce(0, +))  // all but unknown
        }
    }

    /// Whatever order results arrive in, a deployment's last result is its newest one.
    @Test func theLastResultIsTheNewestWhateverTheOrderOfArrival() async throws {
        let fixture = try ProbeStoreFixture()
        var results = randomResults(seed: 4, deployments: Self.deployments, minutes: 2 * 24 * 60, every: 13)
        var random = TestRandom(seed: 4)
        results.shuffle(using: &random)
        for start in stride(from: 0, to: results.count, by: 50) {
            try await fixture.store.insertProbeResults(Array(results[start..<min(results.count, start + 50)]))
        }
        let records = try await fixture.store.availability(now: ProbeStoreFixture.at(minutes: 3 * 24 * 60))
        #expect(records.count == Self.deployments.count)
        for record in records {
            let own = results.filter { $0.model == record.model && $0.provider == record.provider }
            let newest = try #require(own.max { $0.checkedAt < $1.checkedAt })
            #expect(record.lastChecked == newest.checkedAt)
            #expect(record.lastStatus == newest.status)
            #expect(record.lastLatencyMs == newest.latencyMs && record.lastTTFTMs == newest.ttftMs)
            let failure = own.filter { !["ok", "degraded", "unknown"].contains($0.status) }
                .max { $0.checkedAt < $1.checkedAt }
            #expect(record.lastErrorAt == failure?.checkedAt)
            #expect(record.lastError == failure?.error)
        }
    }

    /// One result per transaction makes the hourly histograms grow by concatenation; the upkeep re-encodes
    /// them smaller, and what availability and history read does not change.
    @Test func compactionShrinksHistogramsWithoutChangingWhatIsRead() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        var random = TestRandom(seed: 8)
        for second in 0..<200 {
            try await store.insertProbeResults([
                ProbeStoreFixture.result(
                    latency: random.int(100...400), ttft: random.int(10...90), minutes: Double(second) / 4)
            ])
        }
        let now = ProbeStoreFixture.at(minutes: 55)
        let lengths = "SELECT length(latency_hist), length(ttft_hist) FROM probe_rollups_hourly"
        let before = try await fixture.integers(lengths)
        let availability = try await store.availability(now: now)
        let history = try await store.history(
            model: "meta/llama", window: .seconds(3600), step: .seconds(3600), now: now)

        #expect(try await store.compactProbeRollups(now: now) == 1)
        let after = try await fixture.integers(lengths)
        #expect(after[0][0]! < before[0][0]! && after[0][1]! < before[0][1]!)
        #expect(try await store.availability(now: now) == availability)
        #expect(
            try await store.history(model: "meta/llama", window: .seconds(3600), step: .seconds(3600), now: now)
                == history)
        #expect(try await store.compactProbeRollups(now: now) == 0)
    }

    /// An estimate is within the histogram's relative error of the exact value (plus rounding).
    static func isWithinError(_ estimate: Int?, _ exact: Int?) -> Bool {
        guard let estimate, let exact else { return estimate == nil && exact == nil }
        return Double(abs(estimate - exact)) <= Double(exact) * LatencyHistogram.relativeError + 0.5
    }

    @Test func hostileValuesAreBoundedOrRefused() async throws {
        let fixture = try ProbeStoreFixture()
        let huge = String(repeating: "x", count: 100_000)
        let wide = String(repeating: "é", count: 5_000)  // 2 bytes each: the cut must not split one
        try await fixture.store.insertProbeResults([
            ProbeStoreFixture.result(
                status: "error", latency: -5, ttft: Int.max, http: 100_000, error: huge, minutes: 1),
            ProbeStoreFixture.result(status: "timeout", error: wide, minutes: 2),
        ])
        let stored = try #require(try await fixture.store.availability(now: ProbeStoreFixture.at(minutes: 3)).first)
        #expect(stored.lastError?.hasPrefix("éé") == true)
        let rows = try await fixture.store.read { connection in
            try connection.prepare(
                "SELECT error, latency_ms, ttft_ms, http_status FROM probe_results ORDER BY checked_at"
            )
            .map { ($0.string(at: 0), $0.optionalInt(at: 1), $0.optionalInt(at: 2), $0.optionalInt(at: 3)) }
        }
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.0.utf8.count <= Store.maximumProbeErrorBytes)
            #expect(row.0.hasSuffix("…"))
        }
        #expect(rows[0].1 == nil)
        #expect(rows[0].2 == Store.maximumProbeLatencyMs)
        #expect(rows[0].3 == 999)
        #expect(rows[1].0.dropLast().allSatisfy { $0 == "é" })

        for bad in [
            ProbeStoreFixture.result(status: "bogus", minutes: 5),
            ProbeStoreFixture.result("", minutes: 5),
            ProbeStoreFixture.result(
                "m", String(repeating: "p", count: Store.maximumDeploymentNameBytes + 1), minutes: 5),
        ] {
            // All or nothing: the good record before the bad one is not stored either.
            await #expect(throws: StoreError.self) {
                try await fixture.store.insertProbeResults([ProbeStoreFixture.result(minutes: 4), bad])
            }
        }
        #expect(try await fixture.count("probe_results") == 2)
    }

    @Test func aSecondResultInTheSameMillisecondMovesOneMillisecondLater() async throws {
        let fixture = try ProbeStoreFixture()
        let first = ProbeStoreFixture.result(status: "ok", minutes: 10)
        var second = first
        second.status = "error"
        try await fixture.store.insertProbeResults([first, second])
        try await fixture.store.insertProbeResults([first])
        let times = try await fixture.integers("SELECT checked_at, status FROM probe_results ORDER BY checked_at")
        let base = ProbeStoreFixture.origin + 600_000
        #expect(times == [[base, 0], [base + 1, 6], [base + 2, 0]])
        #expect(try await fixture.integers("SELECT n_ok, n_error FROM probe_rollups_hourly") == [[2, 1]])
    }

    @Test func emptyInputIsANoOp() async throws {
        let fixture = try ProbeStoreFixture()
        try await fixture.store.insertProbeResults([])
        try await fixture.store.insertDeploymentEvents([])
        #expect(try await fixture.store.availability(now: Date()).isEmpty)
        #expect(try await fixture.store.latestProbeRun() == nil)
    }
}
