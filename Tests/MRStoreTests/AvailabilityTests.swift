import Foundation
import Testing

@testable import MRStore

@Suite struct AvailabilityTests {
    static let deployments = [("meta/llama", "nvidia"), ("meta/llama", "groq"), ("mistral/large", "nvidia")]
    /// 33 days and 13:37:12.345 after the origin: not aligned to anything, so every window has a partial edge.
    static let nowMinutes: Double = 33.0 * 1440.0 + 13.0 * 60.0 + 37.0 + 12.345 / 60.0

    /// Uptime over the four windows and the percentiles, against a brute-force computation over the same
    /// results with the documented window rules.
    @Test(arguments: [UInt64(5), 6])
    func uptimeAndPercentilesMatchABruteForceComputation(seed: UInt64) async throws {
        let fixture = try ProbeStoreFixture()
        let results = randomResults(seed: seed, deployments: Self.deployments, minutes: Int(Self.nowMinutes), every: 9)
        for start in stride(from: 0, to: results.count, by: 1000) {
            try await fixture.store.insertProbeResults(Array(results[start..<min(start + 1000, results.count)]))
        }
        let now = ProbeStoreFixture.at(minutes: Self.nowMinutes)
        let nowMs = Store.milliseconds(now)
        let currentHour = nowMs / 3_600_000

        let records = try await fixture.store.availability(now: now)
        let names = records.map { record -> String in record.model + "@" + record.provider }
        #expect(names == ["meta/llama@groq", "meta/llama@nvidia", "mistral/large@nvidia"])
        for record in records {
            let own: [ProbeResultRecord] = results.filter { $0.model == record.model && $0.provider == record.provider }
                .sorted { $0.checkedAt < $1.checkedAt }
            func uptime(_ included: (Int64) -> Bool) -> Double? {
                let window = own.filter { included(Store.milliseconds($0.checkedAt)) && $0.status != "unknown" }
                guard !window.isEmpty else { return nil }
                let available = window.filter { $0.status == "ok" || $0.status == "degraded" }
                return Double(available.count) / Double(window.count)
            }
            func inLastHours(_ hours: Int64) -> (Int64) -> Bool {
                { (milliseconds: Int64) -> Bool in milliseconds / 3_600_000 > currentHour - hours }
            }
            let lastHour = uptime { (milliseconds: Int64) -> Bool in
                milliseconds > nowMs - 3_600_000 && milliseconds <= nowMs
            }
            #expect(record.uptime1h == lastHour)
            #expect(record.uptime24h == uptime(inLastHours(24)))
            #expect(record.uptime7d == uptime(inLastHours(7 * 24)))
            #expect(record.uptime30d == uptime(inLastHours(30 * 24)))
            #expect(record.uptime30d != record.uptime7d)  // the data is random enough for these to differ

            let inDay = inLastHours(24)
            let day = own.filter { (result: ProbeResultRecord) -> Bool in
                inDay(Store.milliseconds(result.checkedAt)) && (result.status == "ok" || result.status == "degraded")
            }
            let latencies = day.compactMap { $0.latencyMs }.sorted()
            let ttfts = day.compactMap { $0.ttftMs }.sorted()
            let exactP50 = LatencyHistogram.exactPercentile(0.5, ofSorted: latencies)
            let exactP95 = LatencyHistogram.exactPercentile(0.95, ofSorted: latencies)
            let exactTTFT = LatencyHistogram.exactPercentile(0.5, ofSorted: ttfts)
            #expect(ProbeIngestTests.isWithinError(record.latencyP50Ms, exactP50))
            #expect(ProbeIngestTests.isWithinError(record.latencyP95Ms, exactP95))
            #expect(ProbeIngestTests.isWithinError(record.ttftP50Ms, exactTTFT))

            let last = try #require(own.last)
            #expect(record.lastStatus == last.status)
            #expect(record.lastChecked == last.checkedAt)
            #expect(record.lastLatencyMs == last.latencyMs)
            #expect(record.lastTTFTMs == last.ttftMs)
            let lastFailure = try #require(own.last { !["ok", "degraded", "unknown"].contains($0.status) })
            #expect(record.lastError == lastFailure.error)
            #expect(record.lastErrorAt == lastFailure.checkedAt)
            #expect(record.currentState == nil)
        }
    }

    @Test func windowsWithoutCountedResultsAreNilAndEventsGiveTheState() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        try await store.insertProbeResults([
            // Only `unknown` in the last hour, an available result two days ago, a failure without a message.
            ProbeStoreFixture.result("a/unknown", "p", status: "unknown", latency: nil, minutes: 3 * 1440 - 10),
            ProbeStoreFixture.result("a/unknown", "p", status: "ok", latency: 80, minutes: 1440),
            ProbeStoreFixture.result("b/failing", "p", status: "timeout", latency: 30_000, minutes: 3 * 1440 - 5),
            // After `now` (and after its hour): not in the 1h or 24h windows, but the newest stored result.
            ProbeStoreFixture.result("b/failing", "p", status: "ok", latency: 90, minutes: 3 * 1440 + 90),
        ])
        try await store.insertDeploymentEvents([
            DeploymentEventRecord(
                model: "b/failing", provider: "p", fromState: "unknown", toState: "up", status: "ok", source: "probe",
                at: ProbeStoreFixture.at(minutes: 100)),
            DeploymentEventRecord(
                model: "b/failing", provider: "p", fromState: "up", toState: "down", status: "timeout",
                source: "traffic",
                at: ProbeStoreFixture.at(minutes: 200)),
            DeploymentEventRecord(
                model: "c/events-only", provider: "p", fromState: "unknown", toState: "down", status: "auth_error",
                source: "probe", at: ProbeStoreFixture.at(minutes: 300)),
        ])
        let records = try await store.availability(now: ProbeStoreFixture.at(minutes: 3 * 1440))
        #expect(records.count == 3)
        let unknown = records[0]
        #expect(unknown.model == "a/unknown" && unknown.lastStatus == "unknown")
        #expect(unknown.uptime1h == nil && unknown.uptime24h == nil)
        #expect(unknown.uptime7d == 1 && unknown.uptime30d == 1)
        #expect(unknown.latencyP50Ms == nil && unknown.lastError == nil && unknown.currentState == nil)

        let failing = records[1]
        #expect(failing.lastStatus == "ok" && failing.lastLatencyMs == 90)
        #expect(failing.uptime1h == 0 && failing.uptime24h == 0)
        #expect(failing.lastError == "timeout")  // no message: the status stands in
        #expect(failing.lastErrorAt == ProbeStoreFixture.at(minutes: 3 * 1440 - 5))
        #expect(failing.latencyP50Ms == nil)  // latencies of failures are not the model's speed
        #expect(failing.currentState == "down")

        let eventsOnly = records[2]
        #expect(eventsOnly.model == "c/events-only" && eventsOnly.currentState == "down")
        #expect(eventsOnly.lastStatus == nil && eventsOnly.lastChecked == nil && eventsOnly.uptime30d == nil)
    }

    @Test func windowEdgesAreHourAligned() {
        // 2026-03-01 is day 20513; now at 05:20 on day 20520.
        let day: Int64 = 20_520
        let now = (day * 24 + 5) * Store.millisecondsPerHour + 20 * 60_000
        let windows = AvailabilityWindows(now: now)
        #expect(windows.hour == day * 24 + 5)
        // 7 × 24 hours ending at hour 5 of day 20520 start at hour 6 of day 20513.
        let weekStart: Int64 = (day - 7) * 24 + 6
        #expect(windows.week.edgeHours == weekStart..<((day - 6) * 24))
        #expect(windows.week.days == (day - 6)...day)
        let monthStart: Int64 = (day - 30) * 24 + 6
        #expect(windows.month.edgeHours == monthStart..<((day - 29) * 24))
        #expect(windows.month.days == (day - 29)...day)
        // At the last hour of a day the window starts on a day boundary: no partial day.
        let aligned = AvailabilityWindows(now: (day * 24 + 23) * Store.millisecondsPerHour)
        #expect(aligned.week.edgeHours.isEmpty)
        #expect(aligned.week.days == (day - 6)...day)
    }
}
