import Logging
import MRStore
import MRTestSupport
import Testing

@testable import MRRouting

/// The usage recorder loses nothing at a graceful stop, and keeps what a failed write could not store.
@Suite struct UsageRecorderTests {
    static let logger = Logger(label: "test")

    func record(_ index: Int) -> UsageRecord {
        UsageRecord(
            keyID: "k", endpoint: "chat", model: "m", provider: "p", outcome: "ok", promptTokens: index,
            completionTokens: 1)
    }

    @Test func stoppingWritesEverythingBuffered() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        // The writer is asleep when the stop comes: its last flush must not run in its cancelled task, where
        // SQLite is interrupted and the batch was lost.
        let recorder = UsageRecorder(store: store, flushInterval: .seconds(60), logger: Self.logger)
        recorder.start()
        for index in 0..<500 { recorder.record(record(index)) }
        await recorder.stop()
        #expect(try await store.usageTotals(keyID: nil).requests == 500)
        #expect(recorder.pending == 0)
    }

    @Test func aFailedWriteKeepsItsRecordsForTheNext() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        let recorder = UsageRecorder(store: store, flushInterval: .seconds(60), logger: Self.logger)
        for index in 0..<10 { recorder.record(record(index)) }
        store.close()
        await recorder.flush()  // the store is closed: the write fails
        #expect(recorder.pending == 10)
    }

    @Test func aFullBufferDropsAndCountsTheOldest() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        let recorder = UsageRecorder(store: store, flushInterval: .seconds(60), maxBuffered: 6, logger: Self.logger)
        for index in 0..<10 { recorder.record(record(index)) }
        #expect(recorder.pending == 6)
        #expect(recorder.dropped == 4)
        await recorder.stop()
        #expect(try await store.usageTotals(keyID: nil).requests == 6)
    }
}
