import Foundation
import Testing

@testable import MRStore

@Suite struct RetentionTests {
    static let deployments = [("a/one", "p"), ("a/one", "q"), ("b/two", "p"), ("c/three", "p")]

    /// Raw rows before the cutoff go, newer ones stay, roll-ups stay whole; small batches (down to one row
    /// per transaction) delete exactly the same rows as one big batch.
    @Test(arguments: [1, 7, 5000])
    func rawRowsArePrunedInBatchesAndRollupsKept(batchSize: Int) async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let results = randomResults(seed: 9, deployments: Self.deployments, minutes: 3 * 1440, every: 20)
        try await store.insertProbeResults(results)
        let rollupsBefore = try await fixture.integers(
            "SELECT deployment_id, hour, n_ok, n_error, latency_count, latency_sum FROM probe_rollups_hourly ORDER BY 1, 2"
        )

        let cutoff = ProbeStoreFixture.at(minutes: 1440 + 123.4)
        let older = results.filter { $0.checkedAt < cutoff }
        #expect(!older.isEmpty && older.count < results.count)
        #expect(try await store.pruneProbeData(olderThan: cutoff, batchSize: batchSize) == older.count)
        #expect(try await fixture.count("probe_results") == results.count - older.count)
        #expect(try await fixture.count("probe_results", where: "checked_at < \(Store.milliseconds(cutoff))") == 0)
        #expect(
            try await fixture.integers(
                "SELECT deployment_id, hour, n_ok, n_error, latency_count, latency_sum FROM probe_rollups_hourly ORDER BY 1, 2"
            ) == rollupsBefore)
        #expect(try await store.pruneProbeData(olderThan: cutoff, batchSize: batchSize) == 0)
        // Uptime over 30 days still counts what was pruned: it reads the roll-ups.
        let month = try await store.availability(now: ProbeStoreFixture.at(minutes: 3 * 1440))
        let counted = results.filter {
            $0.model == month[0].model && $0.provider == month[0].provider && $0.status != "unknown"
        }
        let available = counted.filter { $0.status == "ok" || $0.status == "degraded" }
        #expect(month[0].uptime30d == Double(available.count) / Double(counted.count))
    }

    @Test func rollupsReportsAndIncidentsGoAfterTheirOwnCutoff() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let day = 1440.0
        try await store.insertProbeResults([
            ProbeStoreFixture.result("a/one", "p", minutes: 10),
            ProbeStoreFixture.result("a/one", "p", minutes: 2 * day + 10),
            ProbeStoreFixture.result("b/two", "p", minutes: 30),
        ])
        var runs: [Int64] = []
        for minutes in [5.0, 2 * day] {
            runs.append(
                try await store.startProbeRun(
                    trigger: "schedule", startedAt: ProbeStoreFixture.at(minutes: minutes), workers: 1, delayMs: 0,
                    timeoutMs: 1, total: 1))
        }
        try await store.finishProbeRun(
            id: runs[0], finishedAt: ProbeStoreFixture.at(minutes: 6), outcome: "finished", summary: [:])
        let stillRunning = try await store.startProbeRun(
            trigger: "manual", startedAt: ProbeStoreFixture.at(minutes: 7), workers: 1, delayMs: 0, timeoutMs: 1,
            total: 1)
        try await store.insertDeploymentEvents([
            IncidentTests.event("a/one", "p", "unknown", "up", minutes: 10),
            IncidentTests.event("a/one", "p", "up", "down", minutes: 20),
            IncidentTests.event("b/two", "p", "unknown", "down", minutes: 30),
            IncidentTests.event("a/one", "p", "down", "up", minutes: 2 * day),
        ])

        let cutoff = ProbeStoreFixture.at(minutes: day + 30)
        #expect(try await store.pruneProbeData(olderThan: cutoff, rollupsOlderThan: cutoff, batchSize: 1) == 2)
        #expect(
            try await fixture.integers("SELECT hour FROM probe_rollups_hourly") == [
                [ProbeStoreFixture.origin / 3_600_000 + 48]
            ])
        #expect(try await fixture.count("probe_rollups_daily") == 1)
        // The finished old run goes; the newer one and the one still running stay.
        #expect(try await fixture.integers("SELECT id FROM probe_runs ORDER BY id") == [[runs[1]], [stillRunning]])
        // Old events go, except b/two's only event: it still says the deployment is down.
        let events = try await store.deploymentEvents(model: nil, provider: nil, before: nil, limit: 10)
        #expect(events.map { "\($0.model) \($0.toState)" } == ["a/one up", "b/two down"])
    }

    @Test func theConfiguredRetentionKeepsRollupsFor400Days() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        try await store.insertProbeResults([
            ProbeStoreFixture.result(minutes: 0), ProbeStoreFixture.result(minutes: 40 * 1440),
        ])
        let now = ProbeStoreFixture.at(minutes: 45 * 1440)
        #expect(try await store.pruneProbeData(now: now, retentionDays: 30) == 1)
        #expect(try await fixture.count("probe_rollups_hourly") == 2)
        #expect(try await store.pruneProbeData(now: ProbeStoreFixture.at(minutes: 401 * 1440), retentionDays: 30) == 1)
        #expect(try await fixture.count("probe_rollups_hourly") == 1)
        await #expect(throws: StoreError.self) { try await store.pruneProbeData(now: now, retentionDays: 0) }
    }
}
