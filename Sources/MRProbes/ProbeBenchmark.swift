import Logging
import MRCatalog
import MRConfig
import MRProviders
import MRStore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `modelrouter bench-probes`: a whole batch through the real machinery (catalog, `ProbeService`,
/// `BatchExecutor`, `ProbeRunner`, health registry, the store-backed recorder) against `deployments`
/// in-process deployments that each answer a streamed chat in exactly `latency`.
///
/// The ideal wall time is `ceil(deployments / workers) × latency`. A baseline in the same run does the
/// same number of sleeps on the same number of tasks with nothing else, so the report separates our
/// overhead from the runtime's timer slack on a busy machine.
package enum ProbeBenchmark {
    package struct Report: Sendable, CustomStringConvertible {
        package var deployments: Int
        package var workers: Int
        package var latency: Duration
        package var ideal: Duration
        package var baseline: Duration
        package var measured: Duration
        package var results: Int

        package var description: String {
            func seconds(_ duration: Duration) -> String {
                let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                return String(format: "%.3f s", value)
            }
            func ratio(_ a: Duration, _ b: Duration) -> String {
                String(format: "%.3f×", (a / b))
            }
            return """
                probe batch benchmark: \(deployments) deployments answering in \(latency.formattedShort), \
                \(workers) workers, no delay
                  ideal (ceil(n/workers) × latency): \(seconds(ideal))
                  baseline (same sleeps, bare tasks): \(seconds(baseline))  (\(ratio(baseline, ideal)) ideal)
                  ModelRouter batch:                  \(seconds(measured))  (\(ratio(measured, ideal)) ideal, \
                \(ratio(measured, baseline)) baseline)
                  results recorded: \(results)
                """
        }
    }

    package static func run(
        deployments: Int, workers: Int, latency: Duration,
        recorder makeRecorder: (Store, Logger) -> any ProbeRecorder
    ) async throws -> Report {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mr-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("bench.db").path, logger: logger)
        defer { store.close() }
        let adapter = FixedLatencyAdapter(models: deployments, latency: latency)
        let catalog = CatalogService(
            providers: [ProviderConfig(id: adapter.id, type: .openai)], adapters: [adapter], store: store,
            logger: logger)
        await catalog.refresh()
        let recorder = makeRecorder(store, logger)
        let service = ProbeService(
            config: ProbeConfig(interval: .zero, workers: workers, delay: .zero, timeout: .seconds(30)),
            catalog: catalog, runner: ProbeRunner(adapters: [adapter.id: adapter], degradedAfter: .seconds(5)),
            registry: HealthRegistry(), recorder: recorder, logger: logger)
        let clock = ContinuousClock()
        let rounds = (deployments + workers - 1) / workers
        let ideal = latency * rounds

        let baselineStart = clock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { for _ in 0..<rounds { try? await Task.sleep(for: latency) } }
            }
        }
        let baseline = baselineStart.duration(to: clock.now)

        let start = clock.now
        let (batch, _) = service.startBatch(
            trigger: "manual", parameters: BatchParameters(workers: workers, delay: .zero, timeout: .seconds(30)))
        var results = 0
        for await event in batch.listen() {
            if case .result = event { results += 1 }
        }
        let measured = start.duration(to: clock.now)
        await service.stop()
        await catalog.stop()
        return Report(
            deployments: deployments, workers: workers, latency: latency, ideal: ideal, baseline: baseline,
            measured: measured, results: results)
    }
}

/// An in-process provider whose every model streams one token and finishes after exactly `latency`.
struct FixedLatencyAdapter: ProviderAdapter {
    let id = "bench"
    var type: ProviderType { .openai }
    var isSimulated: Bool { true }
    let models: Int
    let latency: Duration

    func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        (0..<models).map { DiscoveredModel(upstreamID: "bench/model-\($0)", declaredCapabilities: [.chat]) }
    }

    func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        let latency = latency
        return ChatStream(
            AsyncThrowingStream { continuation in
                let task = Task {
                    try? await Task.sleep(for: latency)
                    continuation.yield(.token("OK"))
                    continuation.yield(.finish(reason: "length"))
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            })
    }

    func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        throw .unsupported("no embeddings")
    }
}
