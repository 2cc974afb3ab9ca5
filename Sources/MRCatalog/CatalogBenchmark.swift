import Logging
import MRConfig
import MRProviders
import MRStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `modelrouter bench-catalog`: discovery + merge + persistence of a large catalog, timed and measured.
///
/// Builds `modelCount` discovered models across three providers (one listing `publisher/name` ids, one
/// bare ids with `owned_by`, one Anthropic-style) plus `overridesPerProvider` config overrides each (half
/// matching by upstream id, a quarter by model id, a quarter added), then reports medians over
/// `iterations` of:
/// - a full discovery round (`CatalogService.refresh()`: three stub adapters, merge, three SQLite write
///   transactions replacing each provider's rows, publish);
/// - the merge alone, with hash-map lookups, against a baseline merge in the same run that re-scans the
///   override list for every discovered model and the model list for every deployment (O(n·m), what a
///   straightforward implementation does);
/// and the resident memory (VmRSS) the catalog and its service add.
package enum CatalogBenchmark {
    /// The measured figures.
    package struct Report: Sendable, CustomStringConvertible {
        package var models: Int
        package var overrides: Int
        package var iterations: Int
        package var discoveryRoundMs: Double
        package var mergeMs: Double
        package var baselineMergeMs: Double
        package var residentDeltaKB: Int?

        package var description: String {
            let speedup = mergeMs > 0 ? baselineMergeMs / mergeMs : 0
            return """
                catalog benchmark: \(models) discovered models, \(overrides) overrides, 3 providers, \
                median of \(iterations)
                  discovery round (list + merge + persist + publish): \(format(discoveryRoundMs)) ms
                  merge alone (indexed):                             \(format(mergeMs)) ms
                  merge alone (baseline, O(n·m) re-scans):           \(format(baselineMergeMs)) ms \
                (\(format(speedup))x slower)
                  resident memory added by catalog + service:        \
                \(residentDeltaKB.map { "\($0) KB" } ?? "unknown (no /proc)")
                """
        }

        private func format(_ value: Double) -> String {
            let rounded = (value * 100).rounded() / 100
            return String(rounded)
        }
    }

    /// Runs the benchmark against a temporary database, removed afterwards.
    package static func run(modelCount: Int = 1000, overridesPerProvider: Int = 100, iterations: Int = 9)
        async throws -> Report
    {
        let directory = FileManager.default.temporaryDirectory.path + "/modelrouter-bench-catalog-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "bench-catalog")
        logger.logLevel = .error

        let residentBefore = residentKB()
        let (providers, listings) = makeInput(modelCount: modelCount, overridesPerProvider: overridesPerProvider)
        let adapters = zip(providers, listings).map { config, listing in
            FixedListingAdapter(id: config.id, type: config.type, models: listing)
        }
        let store = try Store(path: directory + "/bench.db", logger: logger)
        defer { store.close() }
        let service = CatalogService(providers: providers, adapters: adapters, store: store, logger: logger)
        await service.refresh()  // warm-up, and the catalog whose memory is measured
        let residentAfter = residentKB()

        var rounds: [Duration] = []
        for _ in 0..<iterations {
            rounds.append(await ContinuousClock().measure { await service.refresh() })
        }
        let inputs = zip(providers, listings).map { ProviderListing(config: $0, simulated: false, discovered: $1) }
        var merges: [Duration] = []
        var baselines: [Duration] = []
        let date = Date()
        for _ in 0..<iterations {
            merges.append(ContinuousClock().measure { _ = CatalogMerge.merge(inputs, at: date, lookup: .indexed) })
            baselines.append(
                ContinuousClock().measure { _ = CatalogMerge.merge(inputs, at: date, lookup: .linearScan) })
        }
        withExtendedLifetime(service) {}
        return Report(
            models: modelCount, overrides: overridesPerProvider * providers.count, iterations: iterations,
            discoveryRoundMs: median(rounds), mergeMs: median(merges), baselineMergeMs: median(baselines),
            residentDeltaKB: residentBefore.flatMap { before in residentAfter.map { $0 - before } })
    }

    /// Three providers and their listings, `modelCount` models in all.
    package static func makeInput(modelCount: Int, overridesPerProvider: Int) -> (
        [ProviderConfig], [[DiscoveredModel]]
    ) {
        let kinds: [(id: String, type: ProviderType)] = [
            ("nvidia", .openai), ("openai", .openai), ("claude", .anthropic),
        ]
        let publishers = ["meta", "mistralai", "google", "microsoft", "nvidia", "qwen", "deepseek-ai", "ibm"]
        let families = ["instruct", "coder", "vision-instruct", "embedqa", "chat", "vl-chat", "base"]
        var providers: [ProviderConfig] = []
        var listings: [[DiscoveredModel]] = []
        for (index, kind) in kinds.enumerated() {
            let count = modelCount / kinds.count + (index < modelCount % kinds.count ? 1 : 0)
            var models: [DiscoveredModel] = []
            for number in 0..<count {
                let publisher = publishers[number % publishers.count]
                let name = "model-\(number)-\(families[number % families.count])"
                let upstreamID = kind.id == "nvidia" ? "\(publisher)/\(name)" : name
                models.append(
                    DiscoveredModel(
                        upstreamID: upstreamID, ownedBy: kind.id == "openai" ? publisher : nil,
                        displayName: number % 3 == 0 ? "Model \(number)" : nil, contextLength: 8192 * (1 + number % 16),
                        hints: number % 5 == 0 ? ["type:chat", "modalities:text"] : [],
                        inputCostPerMTok: Double(number % 10) / 10, outputCostPerMTok: Double(number % 10) / 5))
            }
            var overrides: [ModelOverride] = []
            for number in 0..<overridesPerProvider {
                let target = models[(number * 7) % max(models.count, 1)]
                switch number % 4 {
                case 0, 1:  // by upstream id
                    overrides.append(
                        ModelOverride(
                            id: "override-\(kind.id)/\(number)", upstreamID: target.upstreamID, inputCostPerMTok: 1))
                case 2:  // by model id
                    let id = ModelIdentity.modelID(
                        upstreamID: target.upstreamID, ownedBy: target.ownedBy, providerType: kind.type,
                        providerID: kind.id)
                    overrides.append(ModelOverride(id: id, upstreamID: id, capabilities: [.chat, .code], probe: false))
                default:  // added
                    overrides.append(ModelOverride(id: "added-\(kind.id)/extra-\(number)", contextLength: 4096))
                }
            }
            providers.append(
                ProviderConfig(id: kind.id, type: kind.type, baseURL: "https://\(kind.id).invalid", models: overrides))
            listings.append(models)
        }
        return (providers, listings)
    }

    static func median(_ durations: [Duration]) -> Double {
        let sorted = durations.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3 }
            .sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// This process's resident set size in KB (`VmRSS` in `/proc/self/status`), nil where there is no /proc.
    static func residentKB() -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/status") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "")
    }
}

/// An adapter that lists a fixed set of models and does nothing else: the benchmark's provider.
package struct FixedListingAdapter: ProviderAdapter {
    package let id: String
    package let type: ProviderType
    package var isSimulated: Bool { false }
    let models: [DiscoveredModel]

    package init(id: String, type: ProviderType, models: [DiscoveredModel]) {
        self.id = id
        self.type = type
        self.models = models
    }

    package func listModels() async throws(ProviderError) -> [DiscoveredModel] { models }

    package func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        throw .unsupported("the benchmark adapter only lists models")
    }

    package func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        throw .unsupported("the benchmark adapter only lists models")
    }
}
