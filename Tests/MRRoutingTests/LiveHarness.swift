import Foundation
import MRConfig
import MRTestSupport
import Testing

/// The whole service on port 0 with two OpenAI-compatible fake providers: `one` (cheaper, tried first under
/// `cost`) and `two`, each serving the chat model and the embedding model (no discovery: the config lists
/// them).
final class LiveHarness: Sendable {
    static let model = "meta/llama-3.1-8b-instruct"
    static let embedModel = "nvidia/nv-embedqa-e5-v5"
    let one: FakeProvider
    let two: FakeProvider
    let app: TestApplication

    init(configure: @Sendable (inout Config) -> Void = { _ in }) async throws {
        let one = try FakeProvider()
        let two = try FakeProvider()
        self.one = one
        self.two = two
        app = try await TestApplication { config in
            config.providers = [("one", one, 1.0), ("two", two, 2.0)].map { id, fake, price in
                ProviderConfig(
                    id: id, type: .openai, baseURL: fake.baseURL, apiKey: "upstream-\(id)", discover: false,
                    probe: false,
                    models: [
                        ModelOverride(
                            id: Self.model, capabilities: [.chat], inputCostPerMTok: price,
                            outputCostPerMTok: 2 * price),
                        ModelOverride(id: Self.embedModel, capabilities: [.embedding]),
                    ])
            }
            config.routing.strategy = .cost
            // Hang guards, not measurements: when the whole suite starts on 2 busy cores, a fake has been starved
            // for seconds between its response head and its first token. The test that stalls a stream on purpose
            // sets its own short idle limit.
            config.routing.firstTokenTimeout = .seconds(10)
            config.routing.idleTimeout = .seconds(10)
            config.aliases = [ModelAlias(name: "fast-chat", models: ["missing/model", Self.model])]
            configure(&config)
        }
    }

    func stop() async {
        await app.stop()
        await one.shutdown()
        await two.shutdown()
    }

    static func with(configure: @Sendable (inout Config) -> Void = { _ in }, _ body: (LiveHarness) async throws -> Void)
        async throws
    {
        let harness = try await LiveHarness(configure: configure)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    func post(_ path: String, _ body: String, key: String? = TestApplication.adminKey) async throws -> RawHTTPResponse {
        try await app.request("POST", path, key: key, body: body)
    }

    func get(_ path: String, key: String? = TestApplication.adminKey) async throws -> RawHTTPResponse {
        try await app.request("GET", path, key: key)
    }

    func chatCalls(_ fake: FakeProvider) -> Int { fake.requests.filter { $0.route == .chatCompletions }.count }
}

/// One server-sent event as a test sees it.
struct TestEvent {
    var name: String?
    var data: String
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
    }
}

/// The events of an SSE body (comments skipped).
func events(_ text: String) -> [TestEvent] {
    text.components(separatedBy: "\n\n").compactMap { block in
        var name: String?
        var data: [String] = []
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
        }
        return data.isEmpty ? nil : TestEvent(name: name, data: data.joined(separator: "\n"))
    }
}

extension RawHTTPResponse {
    var object: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:]
    }
}
