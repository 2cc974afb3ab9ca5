import Logging
import MRHTTPServer
import Synchronization

/// A real in-process HTTP server on 127.0.0.1 (port 0) that speaks OpenAI's and Anthropic's wire formats,
/// scripted per test: answers (with every SSE framing edge case), HTTP failures, rate limits, cut and stalled
/// streams, garbage, slow drips.
///
/// Routes (under `/v1`): `GET /models` (Anthropic's paginated shape when the request carries
/// `anthropic-version`, else OpenAI's), `POST /chat/completions`, `POST /messages`, `POST /embeddings`.
/// It records every request and counts requests in flight and the most ever in flight at once.
///
/// Call ``shutdown()`` at the end of the test (or use ``with(_:_:)``): it releases stalls and stops the server.
public final class FakeProvider: Sendable {
    /// The routes the fake serves.
    public enum Route: String, Sendable, Hashable {
        case models, chatCompletions, messages, embeddings
    }

    struct Rule: Sendable {
        var behavior: FakeBehavior
        var model: String?
        var route: Route?
        var remaining: Int?
    }

    struct State: Sendable {
        var rules: [Rule] = []
        var models: [FakeModel]
        var requests: [FakeRequest] = []
        var inFlight = 0
        var maxInFlight = 0
        var completed = 0
        var requiredKey: String?
        var anthropicPageSize = 1000
        var stalls: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextStall = 0
        var stopped = false
    }

    /// The models listed by default.
    public static let defaultModels = [
        FakeModel(id: "meta/llama-3.1-8b-instruct", ownedBy: "meta", contextLength: 131_072),
        FakeModel(id: "nvidia/nv-embedqa-e5-v5", ownedBy: "nvidia", contextLength: 512),
        FakeModel(id: "claude-sonnet-4-5", ownedBy: "anthropic", displayName: "Claude Sonnet 4.5"),
    ]

    let core: FakeProviderCore
    private let server: HTTPServer
    /// The bound port.
    public let port: UInt16
    /// `http://127.0.0.1:<port>/v1`: the `base_url` of a provider pointing here.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts serving at once.
    public init(models: [FakeModel] = FakeProvider.defaultModels) throws {
        let core = FakeProviderCore(models: models)
        self.core = core
        let logger = Logger(label: "fake-provider") { _ in SwiftLogNoOpLogHandler() }
        server = try HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, threads: 1), handler: FakeProviderHandler(core: core),
            logger: logger)
        port = server.port
    }

    /// Runs `body` with a fresh fake provider and shuts it down afterwards, whatever happens.
    public static func with<T>(
        models: [FakeModel] = FakeProvider.defaultModels, _ body: (FakeProvider) async throws -> T
    ) async throws -> T {
        let fake = try FakeProvider(models: models)
        do {
            let result = try await body(fake)
            await fake.shutdown()
            return result
        } catch {
            await fake.shutdown()
            throw error
        }
    }

    // MARK: Scripting

    /// From now on, requests matching `model` and `route` (nil matches any) get `behavior`, the next `times`
    /// of them or all (nil). The latest matching script wins; unmatched requests get a normal answer.
    public func script(_ behavior: FakeBehavior, model: String? = nil, route: Route? = nil, times: Int? = nil) {
        core.state.withLock { $0.rules.append(Rule(behavior: behavior, model: model, route: route, remaining: times)) }
    }

    /// Forgets every script.
    public func resetScripts() {
        core.state.withLock { $0.rules.removeAll() }
    }

    /// Replaces the model list.
    public func setModels(_ models: [FakeModel]) {
        core.state.withLock { $0.models = models }
    }

    /// Requests without this key (`Authorization: Bearer` for OpenAI routes, `x-api-key` for Anthropic ones)
    /// get a 401. nil (the default) accepts anything.
    public func requireKey(_ key: String?) {
        core.state.withLock { $0.requiredKey = key }
    }

    /// Caps Anthropic's model pages to `size` entries, to exercise `has_more` pagination.
    public func setAnthropicPageSize(_ size: Int) {
        core.state.withLock { $0.anthropicPageSize = max(1, size) }
    }

    /// Ends every stall in progress (their responses go on: a stalled head is answered, a stalled stream ends
    /// without its terminator).
    public func releaseStalls() {
        core.releaseStalls()
    }

    /// Releases stalls and stops the server (open streams are ended). Idempotent.
    public func shutdown() async {
        core.state.withLock { $0.stopped = true }
        releaseStalls()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    // MARK: Observations

    /// Every request received so far, in order.
    public var requests: [FakeRequest] { core.state.withLock { $0.requests } }
    /// Requests being answered right now (a stream counts until its body ended).
    public var inFlight: Int { core.state.withLock { $0.inFlight } }
    /// The most requests ever in flight at once.
    public var maxInFlight: Int { core.state.withLock { $0.maxInFlight } }
    /// Requests whose response was completely sent or abandoned.
    public var completedRequests: Int { core.state.withLock { $0.completed } }
    /// Stalls currently holding a request.
    public var activeStalls: Int { core.state.withLock { $0.stalls.count } }

    /// Suspends until `condition` holds (polling); false after `timeout`.
    public func waitUntil(timeout: Duration = .seconds(10), _ condition: @escaping @Sendable (FakeProvider) -> Bool)
        async -> Bool
    {
        await eventually(timeout: timeout) { condition(self) }
    }
}

/// The fake's state, shared by the public façade and the server's handler (which must not keep the façade
/// alive: the façade owns the server).
final class FakeProviderCore: Sendable {
    let state: Mutex<FakeProvider.State>

    init(models: [FakeModel]) {
        state = Mutex(FakeProvider.State(models: models))
    }

    func releaseStalls() {
        let waiters = state.withLock { state in
            defer { state.stalls.removeAll() }
            return Array(state.stalls.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Holds the calling task until ``releaseStalls()``, shutdown, or cancellation.
    func stall() async {
        let id = state.withLock { state -> Int? in
            if state.stopped { return nil }
            state.nextStall += 1
            return state.nextStall
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    state.stalls[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.stalls.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// The behaviour for a request, consuming one use of a counted script.
    func behavior(route: FakeProvider.Route, model: String?) -> FakeBehavior {
        state.withLock { state in
            guard
                let index = state.rules.lastIndex(where: { rule in
                    (rule.route == nil || rule.route == route) && (rule.model == nil || rule.model == model)
                })
            else { return .answer() }
            let behavior = state.rules[index].behavior
            if let remaining = state.rules[index].remaining {
                if remaining <= 1 {
                    state.rules.remove(at: index)
                } else {
                    state.rules[index].remaining = remaining - 1
                }
            }
            return behavior
        }
    }
}
