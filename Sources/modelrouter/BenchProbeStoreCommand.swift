import ArgumentParser
import MRStore

/// `modelrouter bench-probestore` (hidden): the probe store's ingest rate and `/api/availability` latency
/// over a month of history, for `bench/probestore/run.sh`.
struct BenchProbeStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-probestore",
        abstract: "Probe result ingest against raw SQLite, and availability over a seeded history.",
        shouldDisplay: false)

    @Option(help: "Deployments in the synthetic fleet.") var deployments = 500
    @Option(help: "Days of one-minute history to seed.") var days = 30
    @Option(help: "Results written in the ingest part.") var ingestRows = 500_000
    @Option(help: "Timed availability calls (after a first one).") var iterations = 21
    @Option(help: "Keep the seeded history in this file, and reuse it when it exists.") var database: String?

    func run() async throws {
        guard (1...100_000).contains(deployments), (1...400).contains(days), (1_000...50_000_000).contains(ingestRows),
            (1...1000).contains(iterations)
        else {
            throw ValidationError(
                "--deployments must be 1...100000, --days 1...400, --ingest-rows 1000...50000000, --iterations 1...1000"
            )
        }
        do {
            print(
                try await ProbeStoreBenchmark.run(
                    deployments: deployments, days: days, ingestRows: ingestRows, iterations: iterations,
                    databasePath: database))
        } catch let error as StoreError {
            throw ValidationError("store: \(error.detail)")
        }
    }
}
