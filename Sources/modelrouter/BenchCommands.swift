import ArgumentParser
import MRCatalog
import MRMetrics
import MRProbes
import MRProviders
import MRStore

/// Hidden benchmark entry points for `bench/*/run.sh`: they run in the release binary so the numbers
/// are those of the code users run.
struct BenchSSECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-sse", abstract: "SSE parsing throughput against a naive baseline.", shouldDisplay: false)

    @Option(help: "Megabytes of synthetic OpenAI stream to parse.") var megabytes = 50

    func run() throws {
        guard (1...2000).contains(megabytes) else { throw ValidationError("--megabytes must be 1...2000") }
        print(SSEParserBenchmark.run(megabytes: megabytes))
    }
}

struct BenchCatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-catalog", abstract: "Discovery and merge of a large catalog against a baseline.",
        shouldDisplay: false)

    @Option(help: "Models in the synthetic catalog.") var models = 1000
    @Option(help: "Timed iterations (the median is reported).") var iterations = 9

    func run() async throws {
        guard (1...100_000).contains(models), (1...1000).contains(iterations) else {
            throw ValidationError("--models must be 1...100000 and --iterations 1...1000")
        }
        print(try await CatalogBenchmark.run(modelCount: models, iterations: iterations))
    }
}

struct BenchProbesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-probes", abstract: "A probe batch over many in-process deployments against the ideal.",
        shouldDisplay: false)

    @Option(help: "Deployments in the batch.") var deployments = 1000
    @Option(help: "Parallel workers.") var workers = 50
    @Option(help: "How long each deployment takes to answer, in milliseconds.") var latencyMs = 100

    func run() async throws {
        guard (1...100_000).contains(deployments), (1...256).contains(workers), (1...60_000).contains(latencyMs)
        else {
            throw ValidationError("--deployments 1...100000, --workers 1...256, --latency-ms 1...60000")
        }
        print(
            try await ProbeBenchmark.run(
                deployments: deployments, workers: workers, latency: .milliseconds(latencyMs),
                recorder: { store, logger in
                    StoreProbeRecorder(
                        store: store, writer: ProbeResultWriter(store: store, logger: logger), retentionDays: 30,
                        logger: logger)
                }))
    }
}

struct BenchMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-metrics", abstract: "/metrics rendering with a large catalog against baselines.",
        shouldDisplay: false)

    @Option(help: "Deployments with a full set of series.") var deployments = 1000
    @Option(help: "Timed iterations (the median is reported).") var iterations = 51

    func run() throws {
        guard (1...100_000).contains(deployments), (1...10_000).contains(iterations) else {
            throw ValidationError("--deployments must be 1...100000 and --iterations 1...10000")
        }
        print(MetricsBenchmark.run(deployments: deployments, iterations: iterations))
    }
}
