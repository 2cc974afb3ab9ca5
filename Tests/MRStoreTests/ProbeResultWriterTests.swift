import Dispatch
import Foundation
import MRTestSupport
import Testing

@testable import MRStore

@Suite struct ProbeResultWriterTests {
    static func results(_ count: Int, from start: Int = 0) -> [ProbeResultRecord] {
        (start..<(start + count)).map { ProbeStoreFixture.result("m/\($0 % 4)", "p", minutes: Double($0)) }
    }

    static func event(minutes: Double) -> DeploymentEventRecord {
        IncidentTests.event("m/0", "p", "unknown", "up", minutes: minutes)
    }

    @Test func flushCommitsEverythingSubmittedInSeveralBatches() async throws {
        let fixture = try ProbeStoreFixture()
        // An hour's interval: only a full batch or the flush can write.
        let writer = ProbeResultWriter(
            store: fixture.store, flushInterval: .seconds(3600), maxBatch: 3, logger: ProbeStoreFixture.logger)
        for result in Self.results(10) { writer.submit(result) }
        writer.submit(event: Self.event(minutes: 1))
        writer.submit(event: Self.event(minutes: 2))
        await writer.flush()
        #expect(try await fixture.count("probe_results") == 10)
        #expect(try await fixture.count("deployment_events") == 2)
        #expect(try await fixture.integers("SELECT sum(n_ok) FROM probe_rollups_hourly") == [[10]])
        #expect(writer.pendingCount == 0 && writer.droppedCount == 0)
        await writer.flush()  // nothing pending: returns at once
        await writer.close()
    }

    @Test func itWritesOnItsOwnOnceTheIntervalHasPassed() async throws {
        let fixture = try ProbeStoreFixture()
        let writer = ProbeResultWriter(
            store: fixture.store, flushInterval: .milliseconds(20), logger: ProbeStoreFixture.logger)
        writer.submit(Self.results(1)[0])
        let written = await eventually { (try? await fixture.count("probe_results")) == 1 }
        #expect(written)
        await writer.close()
    }

    @Test func aFullQueueDropsAndCountsInsteadOfGrowing() async throws {
        let fixture = try ProbeStoreFixture()
        let writer = ProbeResultWriter(
            store: fixture.store, flushInterval: .seconds(3600), maxBatch: 1000, capacity: 10,
            logger: ProbeStoreFixture.logger)
        for result in Self.results(25) { writer.submit(result) }
        #expect(writer.droppedCount == 15)
        #expect(writer.pendingCount == 10)
        await writer.flush()
        #expect(try await fixture.count("probe_results") == 10)
        await writer.close()
    }

    /// With the database's writer held (a slow disk), submitting still returns at once; the results are
    /// written once the disk is free, and `flush` waits for them.
    @Test func aBlockedDatabaseNeverBlocksSubmit() async throws {
        let fixture = try ProbeStoreFixture()
        let store = fixture.store
        let holding = TestSignal()
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task {
            try await store.write { _ in
                holding.fire()
                gate.wait()
            }
        }
        #expect(await holding.wait())
        let writer = ProbeResultWriter(
            store: store, flushInterval: .milliseconds(1), maxBatch: 5, logger: ProbeStoreFixture.logger)
        for result in Self.results(20) { writer.submit(result) }
        #expect(writer.pendingCount == 20)
        let flushed = Task { await writer.flush() }
        gate.signal()
        try await blocker.value
        await flushed.value
        #expect(try await fixture.count("probe_results") == 20)
        #expect(writer.droppedCount == 0)
        await writer.close()
    }

    @Test func closeFlushesAndLaterSubmissionsAreDropped() async throws {
        let fixture = try ProbeStoreFixture()
        let writer = ProbeResultWriter(
            store: fixture.store, flushInterval: .seconds(3600), logger: ProbeStoreFixture.logger)
        for result in Self.results(3) { writer.submit(result) }
        await writer.close()
        #expect(try await fixture.count("probe_results") == 3)
        writer.submit(Self.results(1, from: 50)[0])
        writer.submit(event: Self.event(minutes: 3))
        #expect(writer.droppedCount == 2)
        await writer.close()
        await writer.flush()
        #expect(try await fixture.count("probe_results") == 3)
    }

    @Test func invalidRecordsAreDroppedAndCounted() async throws {
        let fixture = try ProbeStoreFixture()
        let writer = ProbeResultWriter(store: fixture.store, logger: ProbeStoreFixture.logger)
        writer.submit(ProbeStoreFixture.result(status: "bogus", minutes: 1))
        var badEvent = Self.event(minutes: 1)
        badEvent.toState = "sideways"
        writer.submit(event: badEvent)
        writer.submit(ProbeStoreFixture.result(minutes: 2))
        await writer.flush()
        #expect(writer.droppedCount == 2)
        #expect(try await fixture.count("probe_results") == 1)
        await writer.close()
    }

    /// A store that fails (here: closed underneath) loses the batch, counts it, and flush still returns.
    @Test func aFailingStoreLosesTheBatchWithoutHanging() async throws {
        let fixture = try ProbeStoreFixture()
        let writer = ProbeResultWriter(store: fixture.store, logger: ProbeStoreFixture.logger)
        fixture.store.close()
        for result in Self.results(4) { writer.submit(result) }
        await writer.flush()
        #expect(writer.droppedCount == 4)
        #expect(writer.pendingCount == 0)
        await writer.close()
    }
}
