import Foundation
import Testing

@testable import MRStore

@Suite struct ProbeRunTests {
    @Test func aRunKeepsItsResultsAndSummary() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let run = try await store.startProbeRun(
            trigger: "manual", startedAt: ProbeStoreFixture.at(minutes: 0), workers: 4, delayMs: 250, timeoutMs: 30_000,
            total: 3)
        let single = try await store.startProbeRun(
            trigger: "single", startedAt: ProbeStoreFixture.at(minutes: 0.1), workers: 1, delayMs: 0, timeoutMs: 5000,
            total: 1)
        let results = [
            ProbeStoreFixture.result("a/one", "p", status: "ok", minutes: 0.5, run: run),
            ProbeStoreFixture.result(
                "a/two", "p", status: "timeout", latency: 30_000, ttft: nil, http: nil, minutes: 0.3, run: run),
            // A single probe interleaved with the batch, and a result outside any run.
            ProbeStoreFixture.result(
                "a/one", "q", status: "error", http: 500, error: "boom", minutes: 0.4, run: single),
            ProbeStoreFixture.result("a/three", "p", minutes: 0.35),
        ]
        try await store.insertProbeResults(Array(results[0...1]))
        try await store.insertProbeResults(Array(results[2...3]))
        try await store.insertProbeResults([
            ProbeStoreFixture.result("a/three", "p", status: "degraded", minutes: 0.9, run: run)
        ])

        let running = try #require(try await store.probeRun(id: run))
        #expect(running.run.outcome == "running" && running.run.finishedAt == nil && running.run.summary.isEmpty)
        #expect(running.run.trigger == "manual" && running.run.workers == 4 && running.run.delayMs == 250)
        #expect(running.run.timeoutMs == 30_000 && running.run.total == 3)
        #expect(running.run.startedAt == ProbeStoreFixture.at(minutes: 0))
        // In the order they were taken, and nothing from the interleaved single probe.
        #expect(running.results.map(\.model) == ["a/two", "a/one", "a/three"])
        #expect(running.results[0] == results[1])
        #expect(running.results[1] == results[0])

        try await store.finishProbeRun(
            id: run, finishedAt: ProbeStoreFixture.at(minutes: 1), outcome: "finished",
            summary: ["ok": 1, "timeout": 1, "degraded": 1])
        let finished = try #require(try await store.probeRun(id: run))
        #expect(finished.run.outcome == "finished" && finished.run.finishedAt == ProbeStoreFixture.at(minutes: 1))
        #expect(finished.run.summary == ["ok": 1, "timeout": 1, "degraded": 1])

        let latest = try #require(try await store.latestProbeRun())
        #expect(latest.run.id == single && latest.results == [results[2]])
        #expect(try await store.latestProbeRun(triggers: ["manual", "schedule"])?.run.id == run)
        #expect(try await store.latestProbeRun(triggers: ["schedule"]) == nil)
        #expect(try await store.probeRun(id: 999) == nil)
    }

    @Test func runsArePagedNewestFirst() async throws {
        let fixture = try ProbeStoreFixture()
        var ids: [Int64] = []
        for index in 0..<7 {
            ids.append(
                try await fixture.store.startProbeRun(
                    trigger: "schedule", startedAt: ProbeStoreFixture.at(minutes: Double(index)), workers: 2,
                    delayMs: 0,
                    timeoutMs: 1000, total: 10))
        }
        var pages: [[Int64]] = []
        var cursor: Int64? = nil
        while true {
            let page = try await fixture.store.probeRuns(before: cursor, limit: 3)
            if page.isEmpty { break }
            pages.append(page.map(\.id))
            cursor = page.last?.id
        }
        #expect(pages == [[ids[6], ids[5], ids[4]], [ids[3], ids[2], ids[1]], [ids[0]]])
        for limit in [0, -1, Store.maximumRunPageSize + 1] {
            await #expect(throws: StoreError.self) { try await fixture.store.probeRuns(before: nil, limit: limit) }
        }
    }

    @Test func invalidRunInputIsRefused() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let date = ProbeStoreFixture.at(minutes: 0)
        for (trigger, workers) in [("cron", 1), ("manual", -1)] {
            let error = await #expect(throws: StoreError.self) {
                try await store.startProbeRun(
                    trigger: trigger, startedAt: date, workers: workers, delayMs: 0, timeoutMs: 0, total: 0)
            }
            #expect(error?.isInvalidInput == true)
        }
        let id = try await store.startProbeRun(
            trigger: "manual", startedAt: date, workers: 1, delayMs: 0, timeoutMs: 0, total: 0)
        let badOutcome = await #expect(throws: StoreError.self) {
            try await store.finishProbeRun(id: id, finishedAt: date, outcome: "running", summary: [:])
        }
        #expect(badOutcome?.isInvalidInput == true)
        let unknown = await #expect(throws: StoreError.self) {
            try await store.finishProbeRun(id: id + 1, finishedAt: date, outcome: "finished", summary: [:])
        }
        #expect(unknown?.isNotFound == true)
    }

    @Test func runsLeftRunningByACrashAreMarkedCancelled() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        func start(_ minutes: Double) async throws -> Int64 {
            try await store.startProbeRun(
                trigger: "schedule", startedAt: ProbeStoreFixture.at(minutes: minutes), workers: 2, delayMs: 0,
                timeoutMs: 1000, total: 3)
        }
        let done = try await start(0)
        try await store.finishProbeRun(
            id: done, finishedAt: ProbeStoreFixture.at(minutes: 1), outcome: "finished", summary: ["ok": 3])
        let interrupted = try await start(5)
        let empty = try await start(6)
        try await store.insertProbeResults([
            ProbeStoreFixture.result("a/one", "p", status: "ok", minutes: 5.1, run: interrupted),
            ProbeStoreFixture.result("a/two", "p", status: "error", minutes: 5.2, run: interrupted),
            ProbeStoreFixture.result("a/three", "p", status: "ok", minutes: 5.3, run: interrupted),
        ])

        let restart = ProbeStoreFixture.at(minutes: 60)
        #expect(try await store.markUnfinishedProbeRunsCancelled(at: restart) == 2)
        #expect(try await store.markUnfinishedProbeRunsCancelled(at: restart) == 0)
        let cancelled = try #require(try await store.probeRun(id: interrupted)).run
        #expect(cancelled.outcome == "cancelled" && cancelled.finishedAt == restart)
        #expect(cancelled.summary == ["ok": 2, "error": 1])
        #expect(try await store.probeRun(id: empty)?.run.summary == [:])
        #expect(try await store.probeRun(id: done)?.run.outcome == "finished")
    }
}
