import Foundation
import Testing

@testable import MRStore

@Suite struct IncidentTests {
    static func event(_ model: String, _ provider: String, _ from: String, _ to: String, minutes: Double)
        -> DeploymentEventRecord
    {
        DeploymentEventRecord(
            model: model, provider: provider, fromState: from, toState: to, status: to == "up" ? "ok" : "error",
            error: to == "up" ? nil : "HTTP 500", source: "probe", at: ProbeStoreFixture.at(minutes: minutes))
    }

    @Test func eventsAreListedNewestFirstFilteredAndPaged() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let events = [
            Self.event("a/one", "p", "unknown", "up", minutes: 1),
            Self.event("a/one", "q", "unknown", "up", minutes: 2),
            Self.event("b/two", "p", "unknown", "down", minutes: 3), Self.event("a/one", "p", "up", "down", minutes: 4),
            Self.event("a/one", "p", "down", "up", minutes: 5),
        ]
        try await store.insertDeploymentEvents(Array(events[0...2]))
        try await store.insertDeploymentEvents(Array(events[3...4]))

        let all = try await store.deploymentEvents(model: nil, provider: nil, before: nil, limit: 100)
        #expect(all.map(\.at) == events.reversed().map(\.at))
        #expect(all.map(\.id) == all.map(\.id).sorted(by: >))
        let withoutIDs = all.reversed().map { event in
            var copy = event
            copy.id = 0
            return copy
        }
        #expect(withoutIDs == events)

        let model = try await store.deploymentEvents(model: "a/one", provider: nil, before: nil, limit: 100)
        #expect(model.map(\.at) == [events[4], events[3], events[1], events[0]].map(\.at))
        let deployment = try await store.deploymentEvents(model: "a/one", provider: "p", before: nil, limit: 2)
        #expect(deployment.map(\.toState) == ["up", "down"])
        let next = try await store.deploymentEvents(
            model: "a/one", provider: "p", before: deployment.last?.id, limit: 2)
        #expect(next.map(\.toState) == ["up"])
        #expect(try await store.deploymentEvents(model: nil, provider: "q", before: nil, limit: 10).count == 1)
        #expect(try await store.deploymentEvents(model: "zzz", provider: nil, before: nil, limit: 10).isEmpty)

        let states = try await store.availability(now: ProbeStoreFixture.at(minutes: 10))
        #expect(states.map { $0.currentState } == ["up", "up", "down"])
    }

    @Test func invalidEventsAreRefused() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        var bad = [Self.event("a", "p", "up", "sideways", minutes: 1)]
        bad.append(Self.event("a", "p", "up", "down", minutes: 1))
        bad[1].source = "gossip"
        bad.append(Self.event("a", "p", "up", "down", minutes: 1))
        bad[2].status = "meh"
        for event in bad {
            let error = await #expect(throws: StoreError.self) {
                try await store.insertDeploymentEvents([Self.event("a", "p", "unknown", "up", minutes: 0), event])
            }
            #expect(error?.isInvalidInput == true)
        }
        #expect(try await store.deploymentEvents(model: nil, provider: nil, before: nil, limit: 10).isEmpty)
        await #expect(throws: StoreError.self) {
            try await store.deploymentEvents(model: nil, provider: nil, before: nil, limit: 0)
        }
    }
}

@Suite struct HistoryTests {
    static let deployments = [("meta/llama", "nvidia"), ("meta/llama", "groq"), ("other/model", "nvidia")]

    /// Buckets per provider against a brute-force grouping of the same results: raw rows for a 5-minute
    /// step (exact percentiles), hourly roll-ups for 1 h and 1 d steps (percentiles within the error).
    @Test(arguments: [(300, 6 * 3600), (3600, 2 * 86_400), (86_400, 5 * 86_400)])
    func bucketsMatchABruteForceGrouping(step: Int, window: Int) async throws {
        let fixture = try ProbeStoreFixture()
        let results = randomResults(seed: 77, deployments: Self.deployments, minutes: 6 * 1440, every: 4)
        try await fixture.store.insertProbeResults(results)
        let now = ProbeStoreFixture.at(minutes: 5 * 1440 + 200.5)
        let points = try await fixture.store.history(
            model: "meta/llama", window: .seconds(window), step: .seconds(step), now: now)

        let stepMs = Int64(step) * 1000
        let lastBucket = Store.milliseconds(now) / stepMs
        let firstBucket = lastBucket - Int64(window / step) + 1
        var expected: [String: [ProbeResultRecord]] = [:]
        for result in results where result.model == "meta/llama" {
            let bucket = Store.milliseconds(result.checkedAt) / stepMs
            guard bucket >= firstBucket && bucket <= lastBucket else { continue }
            expected["\(bucket * stepMs)@\(result.provider)", default: []].append(result)
        }
        #expect(points.count == expected.count)
        #expect(points.map(\.start) == points.map(\.start).sorted())
        for point in points {
            let bucket = try #require(expected["\(Store.milliseconds(point.start))@\(point.provider)"])
            #expect(point.total == bucket.count)
            #expect(point.available == bucket.filter { $0.status == "ok" || $0.status == "degraded" }.count)
            #expect(point.counts == Dictionary(grouping: bucket, by: \.status).mapValues(\.count))
            let available = bucket.filter { $0.status == "ok" || $0.status == "degraded" }
            let latencies = available.compactMap(\.latencyMs).sorted()
            let exact = LatencyHistogram.exactPercentile(0.95, ofSorted: latencies)
            if step < 3600 {
                #expect(point.latencyP95Ms == exact)
            } else {
                #expect(ProbeIngestTests.isWithinError(point.latencyP95Ms, exact))
            }
        }
    }

    @Test func boundsAreEnforced() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let now = Date()
        for (window, step) in [
            (Duration.seconds(60), Duration.milliseconds(500)), (.seconds(60), .seconds(120)),
            (.seconds(401 * 86_400), .seconds(86_400)), (.seconds(86_400), .seconds(1)), (.seconds(-5), .seconds(1)),
            (.seconds(8 * 86_400), .seconds(1800)),
        ] {
            let error = await #expect(throws: StoreError.self) {
                try await store.history(model: "m", window: window, step: step, now: now)
            }
            #expect(error?.isInvalidInput == true)
        }
        #expect(
            try await store.history(model: "unknown/model", window: .seconds(86_400), step: .seconds(300), now: now)
                .isEmpty)
    }
}
