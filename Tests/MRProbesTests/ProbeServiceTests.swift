import Logging
import MRCatalog
import MRConfig
import MRHTTPClient
import MRProviders
import MRStore
import MRTestSupport
import Synchronization
import Testing

@testable import MRProbes

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Keeps what a recorder is told, in memory.
final class MemoryRecorder: ProbeRecorder {
    struct State {
        var runs: [Int64: (trigger: String, total: Int)] = [:]
        var results: [(ProbeResult, Int64)] = []
        var changes: [DeploymentStateChange] = []
        var finished: [ProbeBatchSummary] = []
        var nextID: Int64 = 1
    }
    let state = Mutex(State())

    func runStarted(trigger: String, startedAt: Date, parameters: BatchParameters, total: Int) async -> Int64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.runs[state.nextID] = (trigger, total)
            return state.nextID
        }
    }
    func record(_ result: ProbeResult, runID: Int64) { state.withLock { $0.results.append((result, runID)) } }
    func record(_ change: DeploymentStateChange) { state.withLock { $0.changes.append(change) } }
    func runFinished(_ summary: ProbeBatchSummary) async { state.withLock { $0.finished.append(summary) } }
    func maintain(now: Date) async {}
}

/// A probe service over a fake provider serving `models` fake models.
struct ProbeFixture {
    let fake: FakeProvider
    let client: HTTPClient
    let directory: TemporaryDirectory
    let store: Store
    let catalog: CatalogService
    let registry: HealthRegistry
    let recorder = MemoryRecorder()
    let service: ProbeService

    init(models: Int, probes: ProbeConfig = ProbeConfig(interval: .zero, degradedAfter: .seconds(30))) async throws {
        let fakeModels = (0..<models).map { FakeModel(id: "fake/model-\($0)", ownedBy: "fake") }
        fake = try FakeProvider(models: fakeModels)
        client = HTTPClient()
        directory = try TemporaryDirectory()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        store = try Store(path: directory.file(), logger: logger)
        let adapter = OpenAIAdapter(id: "fake", baseURL: fake.baseURL, apiKey: "k", client: client)
        catalog = CatalogService(
            providers: [ProviderConfig(id: "fake", type: .openai)], adapters: [adapter], store: store, logger: logger)
        await catalog.refresh()
        registry = HealthRegistry(failureThreshold: probes.failureThreshold, successThreshold: probes.successThreshold)
        service = ProbeService(
            config: probes, catalog: catalog,
            runner: ProbeRunner(adapters: ["fake": adapter], degradedAfter: probes.degradedAfter),
            registry: registry, recorder: recorder, logger: logger)
    }

    func close() async {
        await service.stop()
        await catalog.stop()
        await fake.shutdown()
        client.shutdown()
        store.close()
    }
}

func collect(_ batch: ProbeBatch) async -> [ProbeBatchEvent] {
    var events: [ProbeBatchEvent] = []
    for await event in batch.listen() { events.append(event) }
    return events
}

@Suite struct ProbeServiceTests {
    @Test func aBatchHonoursTheWorkerBound() async throws {
        let fixture = try await ProbeFixture(models: 12)
        // Each answer takes a while, so workers overlap if they can.
        fixture.fake.script(.answer(FakeAnswer(framing: FakeFraming(pause: .milliseconds(15)))))
        let (batch, joined) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 3, delay: .zero, timeout: .seconds(10)))
        #expect(!joined)
        let events = await collect(batch)
        guard case .start(let info) = events.first, case .done(let done) = events.last else {
            Issue.record("no start/done: \(events)")
            return await fixture.close()
        }
        #expect(info.total == 12 && info.workers == 3)
        #expect(events.count == 14)
        #expect(done.summary == ["ok": 12] && done.outcome == "finished")
        #expect(fixture.fake.maxInFlight == 3)
        #expect(fixture.recorder.state.withLock { $0.finished.count } == 1)
        #expect(fixture.recorder.state.withLock { $0.results.allSatisfy { $0.1 == info.runID } })
        await fixture.close()
    }

    @Test func delayIsKeptBetweenStartsOfAWorker() async throws {
        let fixture = try await ProbeFixture(models: 3)
        let clock = ContinuousClock()
        let began = clock.now
        let (batch, _) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 1, delay: .milliseconds(150), timeout: .seconds(10))
        )
        _ = await collect(batch)
        // Three starts on one worker: at least two delays.
        #expect(began.duration(to: clock.now) >= .milliseconds(300))
        await fixture.close()
    }

    @Test func timeoutBoundsEachProbe() async throws {
        let fixture = try await ProbeFixture(models: 2)
        fixture.fake.script(.stall(afterTokens: nil), model: "fake/model-0")
        let (batch, _) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 2, delay: .zero, timeout: .seconds(3)))
        let events = await collect(batch)
        fixture.fake.releaseStalls()
        let results = events.compactMap { if case .result(let result) = $0 { result } else { nil } }
        #expect(results.first { $0.model == "fake/model-0" }?.status == .timeout)
        #expect(results.first { $0.model == "fake/model-1" }?.status == .ok)
        await fixture.close()
    }

    @Test func aSecondRequestJoinsTheRunningBatch() async throws {
        let fixture = try await ProbeFixture(models: 2)
        fixture.fake.script(.stall(afterTokens: nil))
        let parameters = BatchParameters(workers: 2, delay: .zero, timeout: .seconds(30))
        let (first, _) = fixture.service.startBatch(trigger: "manual", parameters: parameters)
        #expect(await fixture.fake.waitUntil { $0.activeStalls == 2 })
        let (second, joined) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 1, delay: .zero, timeout: .seconds(1)))
        #expect(joined && second === first)
        fixture.fake.resetScripts()
        fixture.fake.releaseStalls()
        let one = await collect(first)
        let two = await collect(second)
        #expect(one == two)
        #expect(fixture.recorder.state.withLock { $0.runs.count } == 1)
        #expect(fixture.fake.requests.filter { $0.route == .chatCompletions }.count == 2)
        await fixture.close()
    }

    @Test func stopCancelsTheRunAndRecordsItCancelled() async throws {
        let fixture = try await ProbeFixture(models: 2)
        fixture.fake.script(.stall(afterTokens: nil))
        let (batch, _) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 2, delay: .zero, timeout: .seconds(60)))
        #expect(await fixture.fake.waitUntil { $0.activeStalls == 2 })
        await fixture.service.stop()
        let events = await collect(batch)
        guard case .done(let done) = events.last else {
            Issue.record("no done")
            return await fixture.close()
        }
        #expect(done.outcome == "cancelled")
        #expect(fixture.recorder.state.withLock { $0.finished.first?.outcome } == "cancelled")
        // Cancelled probes are not results.
        #expect(fixture.recorder.state.withLock { $0.results.isEmpty })
        fixture.fake.releaseStalls()
        // After stop no batch starts.
        let (late, _) = fixture.service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: 1, delay: .zero, timeout: .seconds(1)))
        #expect(late.isFinished)
        await fixture.close()
    }

    @Test func thresholdsAndIncidentsFlowToTheRecorder() async throws {
        let fixture = try await ProbeFixture(
            models: 1, probes: ProbeConfig(interval: .zero, failureThreshold: 2, successThreshold: 1))
        fixture.service.start()
        let parameters = BatchParameters(workers: 1, delay: .zero, timeout: .seconds(30))
        func run() async {
            _ = await collect(fixture.service.startBatch(trigger: "manual", parameters: parameters).batch)
        }
        await run()  // ok → up
        fixture.fake.script(.fail(status: 500))
        await run()  // one failure: still up
        #expect(fixture.registry.health(modelID: "fake/model-0", providerID: "fake").state == .up)
        await run()  // second: down
        #expect(fixture.registry.health(modelID: "fake/model-0", providerID: "fake").state == .down)
        fixture.fake.resetScripts()
        await run()  // up again
        #expect(
            await eventually { fixture.recorder.state.withLock { $0.changes.map(\.to) } == [.up, .down, .up] })
        let down = fixture.recorder.state.withLock { $0.changes[1] }
        #expect(down.from == .up && down.status == .error && down.source == .probe && down.error != nil)
        await fixture.close()
    }

    @Test func singleProbeCoversEveryDeploymentOfTheModel() async throws {
        let fixture = try await ProbeFixture(models: 2)
        let outcome = await fixture.service.probe(model: "fake/model-1", timeout: .seconds(30))
        #expect(outcome?.results.map(\.model) == ["fake/model-1"])
        #expect(outcome?.results.first?.status == .ok)
        #expect(fixture.recorder.state.withLock { $0.runs[outcome!.runID]?.trigger } == "single")
        #expect(await fixture.service.probe(model: "nope/none", timeout: .seconds(1)) == nil)
        await fixture.close()
    }

    @Test func theScheduleRunsOnItsOwn() async throws {
        let fixture = try await ProbeFixture(models: 2, probes: ProbeConfig(interval: .seconds(1)))
        fixture.service.start()
        #expect(await eventually { fixture.recorder.state.withLock { $0.finished.count } >= 2 })
        #expect(fixture.recorder.state.withLock { $0.runs.values.allSatisfy { $0.trigger == "schedule" } })
        await fixture.close()
    }
}
