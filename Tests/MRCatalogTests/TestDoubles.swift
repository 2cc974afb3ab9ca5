import Logging
import MRCatalog
import MRConfig
import MRProviders
import MRStore
import MRTestSupport
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A provider whose listing each test scripts.
final class StubAdapter: ProviderAdapter {
    enum Behavior: Sendable {
        case models([DiscoveredModel])
        case fail(ProviderError)
        /// Sleeps this long ignoring cancellation, then answers nothing.
        case stall(Duration)
        /// Waits for the gate, then answers these models.
        case gated(Gate, [DiscoveredModel])
    }

    let id: String
    let type: ProviderType
    let isSimulated: Bool
    private let behavior: Mutex<Behavior>
    private let callCount = Mutex(0)

    init(_ id: String, type: ProviderType = .openai, simulated: Bool = false, _ behavior: Behavior) {
        self.id = id
        self.type = type
        self.isSimulated = simulated
        self.behavior = Mutex(behavior)
    }

    func set(_ behavior: Behavior) { self.behavior.withLock { $0 = behavior } }
    var calls: Int { callCount.withLock { $0 } }

    func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        callCount.withLock { $0 += 1 }
        switch behavior.withLock({ $0 }) {
        case .models(let models):
            return models
        case .fail(let error):
            throw error
        case .stall(let duration):
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return []
        case .gated(let gate, let models):
            await gate.wait()
            return models
        }
    }

    func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        throw .unsupported("stub")
    }

    func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        throw .unsupported("stub")
    }
}

/// Holds waiters until opened.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Health per (model, provider); everything else unknown.
struct StubHealth: DeploymentHealthSource {
    var values: [String: DeploymentHealth]
    func health(modelID: String, providerID: String) -> DeploymentHealth {
        values["\(modelID)@\(providerID)"] ?? .unknown
    }
}

/// A temporary directory with a store in it, removed at the end.
final class StoreFixture {
    let directory: String
    let path: String
    private(set) var store: Store

    init() throws {
        directory = try makeTemporaryDirectory()
        path = directory + "/catalog.db"
        store = try Store(path: path, logger: quietLogger)
    }

    /// Closes the store and opens the file again (a restart).
    func reopen() throws {
        store.close()
        store = try Store(path: path, logger: quietLogger)
    }

    deinit {
        store.close()
        removeDirectory(directory)
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "catalog-tests")
    logger.logLevel = .critical
    return logger
}()

func model(_ upstreamID: String, ownedBy: String? = nil, name: String? = nil, hints: [String] = []) -> DiscoveredModel {
    DiscoveredModel(upstreamID: upstreamID, ownedBy: ownedBy, displayName: name, hints: hints)
}

struct TimedOut: Error {}

/// Polls `condition` until it holds, failing after `limit` (a bound, not a timing assertion).
func waitUntil(limit: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        try await Task.sleep(for: .milliseconds(5))
    }
}
