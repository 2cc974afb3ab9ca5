import Foundation
import Logging
import MRCommon
import MRTestSupport

@testable import MRStore

/// A store on its own temporary file, and helpers to build probe data at fixed times.
final class ProbeStoreFixture: Sendable {
    static let logger = Logger(label: "test.probestore", factory: { _ in SwiftLogNoOpLogHandler() })
    /// 2026-03-01T00:00:00Z: every test's time origin (hour- and day-aligned).
    static let origin: Int64 = 1_772_323_200_000

    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.file(), logger: Self.logger)
    }

    deinit { store.close() }

    /// `minutes` (fractions allowed) after the origin.
    static func at(minutes: Double) -> Date {
        Store.date(milliseconds: origin + Int64((minutes * 60_000).rounded()))
    }

    static func result(
        _ model: String = "meta/llama", _ provider: String = "nvidia", status: String = "ok", latency: Int? = 100,
        ttft: Int? = 30, http: Int? = 200, error: String? = nil, minutes: Double, run: Int64? = nil
    ) -> ProbeResultRecord {
        ProbeResultRecord(
            runID: run, model: model, provider: provider, status: status, latencyMs: latency, ttftMs: ttft,
            httpStatus: http, error: error, checkedAt: at(minutes: minutes))
    }

    /// Rows of an arbitrary query, every column as an `SQLiteValue`-free tuple of Int64 or nil.
    func integers(_ sql: String) async throws -> [[Int64?]] {
        try await store.read { connection in
            let statement = try connection.prepare(sql)
            return try statement.map { row in (0..<row.columnCount).map { row.optionalInt64(at: $0) } }
        }
    }

    func count(_ table: String, where condition: String = "1") async throws -> Int {
        Int(try await integers("SELECT count(*) FROM \(table) WHERE \(condition)")[0][0] ?? -1)
    }
}

/// A deterministic generator for test data.
typealias TestRandom = SplitMix64

/// Random results for `deployments` over `minutes` minutes from the origin, about one per deployment per
/// `every` minutes, every status represented, latencies spread over four orders of magnitude.
func randomResults(seed: UInt64, deployments: [(String, String)], minutes: Int, every: Int) -> [ProbeResultRecord] {
    var random = TestRandom(seed: seed)
    let statuses = [
        "ok", "ok", "ok", "ok", "degraded", "rate_limited", "auth_error", "not_found", "timeout", "error", "unknown",
    ]
    var results: [ProbeResultRecord] = []
    for minute in stride(from: 0, to: minutes, by: every) {
        for (model, provider) in deployments {
            let status = random.pick(statuses)
            let latency = random.int(0...9) == 0 ? nil : random.int(1...4) * Int(pow(10, Double(random.int(0...3))))
            results.append(
                ProbeStoreFixture.result(
                    model, provider, status: status, latency: latency, ttft: latency.map { $0 / 3 },
                    error: status == "ok" || status == "degraded" ? nil : "failed: \(status)",
                    minutes: Double(minute) + Double(random.int(0...59_999)) / 60_000))
        }
    }
    return results
}
