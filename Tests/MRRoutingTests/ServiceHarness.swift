import Logging
import MRCatalog
import MRConfig
import MRHTTPClient
import MRProbes
import MRProviders
import MRRouting
import MRTestSupport
import Synchronization
import Testing

/// A ChatService over real fake providers: one model, `meta/llama-3.1-8b-instruct`, deployed at each of
/// `providers` (in order), each an OpenAI-compatible provider behind its rate limiter.
final class ServiceHarness: Sendable {
    static let model = "meta/llama-3.1-8b-instruct"

    let fakes: [FakeProvider]
    let ids: [String]
    let client = HTTPClient()
    let health = HealthRegistry(failureThreshold: 2, successThreshold: 1)
    let limiters: [String: ProviderRateLimiter]
    let service: ChatService
    private let reportLog = ReportLog()

    /// - Parameters:
    ///   - providers: how many fake providers (`primary`, `backup`, `third`).
    ///   - routing: timeouts short enough for stall tests; fallbacks as given.
    init(
        providers: Int = 2, maxFallbacks: Int = 2, firstToken: Duration = .seconds(20), idle: Duration = .seconds(20),
        breaker: CircuitBreaker.Policy? = nil, aliases: [ModelAlias] = []
    ) throws {
        let names = ["primary", "backup", "third"]
        var fakes: [FakeProvider] = []
        for _ in 0..<providers { fakes.append(try FakeProvider()) }
        self.fakes = fakes
        ids = Array(names.prefix(providers))
        var adapters: [String: any ProviderAdapter] = [:]
        var limiters: [String: ProviderRateLimiter] = [:]
        for (index, fake) in fakes.enumerated() {
            let limiter = ProviderRateLimiter(rpm: 0)
            limiters[names[index]] = limiter
            adapters[names[index]] = RateLimitedProvider(
                OpenAIAdapter(id: names[index], baseURL: fake.baseURL, apiKey: "k-\(index)", client: client),
                limiter: limiter)
        }
        self.limiters = limiters
        let catalog = Catalog(models: [
            CatalogModel(
                id: Self.model, name: "llama", publisher: "meta", capabilities: [.chat], simulated: false,
                contextLength: 8192,
                deployments: ids.enumerated().map { index, id in
                    // Each provider dearer than the one before: under `cost` the order is fixed.
                    CatalogDeployment(
                        providerID: id, upstreamID: Self.model, inputCostPerMTok: Double(index + 1),
                        outputCostPerMTok: Double(2 * (index + 1)), capabilities: [.chat])
                }),
            CatalogModel(
                id: "nvidia/nv-embedqa-e5-v5", name: "embed", publisher: "nvidia", capabilities: [.embedding],
                simulated: false, contextLength: 512,
                deployments: ids.map {
                    CatalogDeployment(providerID: $0, upstreamID: "nvidia/nv-embedqa-e5-v5", capabilities: [.embedding])
                }),
        ])
        let log = reportLog
        service = ChatService(
            catalog: { catalog }, adapters: adapters, limiters: limiters, health: health,
            routing: RoutingConfig(
                strategy: .balanced, maxFallbacks: maxFallbacks, firstTokenTimeout: firstToken, idleTimeout: idle,
                requestTimeout: .seconds(20)),
            aliases: aliases, breakerPolicy: breaker, observer: { report in log.append(report) },
            logger: Logger(label: "router-test") { _ in SwiftLogNoOpLogHandler() })
    }

    var primary: FakeProvider { fakes[0] }
    var backup: FakeProvider { fakes[1] }
    var reports: [ChatAttemptReport] { reportLog.all }

    func chatCalls(_ index: Int) -> Int { fakes[index].requests.filter { $0.route == .chatCompletions }.count }

    func state(_ provider: String) -> DeploymentState {
        health.snapshot(DeploymentID(model: Self.model, provider: provider))?.state ?? .unknown
    }

    func request(_ model: String = ServiceHarness.model, fallbacks: Int? = nil) -> RoutedChatRequest {
        Self.request(model, fallbacks: fallbacks)
    }

    /// A one-message chat under the `cost` strategy (the primary is the cheapest).
    static func request(_ model: String = ServiceHarness.model, fallbacks: Int? = nil) -> RoutedChatRequest {
        RoutedChatRequest(
            model: model, messages: [ChatMessage(role: "user", content: "Hi")], maxTokens: 8,
            route: RouteOptions(strategy: .cost, fallbacks: fallbacks))
    }

    func shutdown() async {
        for fake in fakes { await fake.shutdown() }
        client.shutdown()
    }

    /// Runs `body` with a fresh harness, shut down afterwards whatever happens.
    static func with(
        providers: Int = 2, maxFallbacks: Int = 2, firstToken: Duration = .seconds(20), idle: Duration = .seconds(20),
        breaker: CircuitBreaker.Policy? = nil, _ body: (ServiceHarness) async throws -> Void
    ) async throws {
        let harness = try ServiceHarness(
            providers: providers, maxFallbacks: maxFallbacks, firstToken: firstToken, idle: idle, breaker: breaker)
        do {
            try await body(harness)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }
}

/// What a streamed session produced: its text, finish and the error that ended it.
struct Drained {
    var text = ""
    var finish: String?
    var usage: Usage?
    var error: RoutingError?
}

func drain(_ session: ChatSession) async -> Drained {
    var drained = Drained()
    do {
        while let event = try await session.next() {
            switch event {
            case .token(let text): drained.text += text
            case .usage(let usage): drained.usage = usage
            case .finish(let reason): drained.finish = reason
            }
        }
    } catch {
        drained.error = error
    }
    return drained
}

/// The error of a routed call that must fail.
func routingFailure<T>(_ body: () async throws -> T) async -> RoutingError? {
    do {
        _ = try await body()
        Issue.record("expected a RoutingError")
        return nil
    } catch let error as RoutingError {
        return error
    } catch {
        Issue.record("not a RoutingError: \(error)")
        return nil
    }
}

/// The observer's reports, in order.
final class ReportLog: Sendable {
    private let reports = Mutex<[ChatAttemptReport]>([])
    func append(_ report: ChatAttemptReport) { reports.withLock { $0.append(report) } }
    var all: [ChatAttemptReport] { reports.withLock { $0 } }
}
