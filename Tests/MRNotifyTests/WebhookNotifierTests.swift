import Foundation
import Logging
import MRCatalog
import MRConfig
import MRHTTPClient
import MRNotify
import MRTestSupport
import Synchronization
import Testing

/// The notifier against real HTTP servers on 127.0.0.1: good, failing, refusing, dead and stalled webhooks.
@Suite struct WebhookNotifierTests {
    /// Records outcomes as they are reported.
    final class Outcomes: Sendable {
        private let list = Mutex<[WebhookNotifier.Outcome]>([])
        func add(_ outcome: WebhookNotifier.Outcome) { list.withLock { $0.append(outcome) } }
        var all: [WebhookNotifier.Outcome] { list.withLock { $0 } }
        func count(_ outcome: WebhookNotifier.Outcome) -> Int { all.filter { $0 == outcome }.count }
    }

    static let fastRetries = RetryPolicy(retries: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))

    static func logger() -> Logger {
        var logger = Logger(label: "notify-test")
        logger.logLevel = .critical
        return logger
    }

    static func notifier(
        _ webhooks: [WebhookConfig], client: HTTPClient, outcomes: Outcomes, queueSize: Int = 100,
        retries: RetryPolicy = fastRetries
    ) -> WebhookNotifier {
        WebhookNotifier(
            config: NotificationsConfig(webhooks: webhooks, queueSize: queueSize), client: client, logger: logger(),
            retryPolicy: retries, onOutcome: { outcomes.add($0) })
    }

    @Test func postsJSONAndSlackBodiesWithConfiguredHeaders() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 200, body: "ok") }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier(
            [
                WebhookConfig(url: server.baseURL + "/hook/json", headers: [("Authorization", "Bearer hook-token")]),
                WebhookConfig(url: server.baseURL + "/hook/slack", format: .slack),
            ], client: client, outcomes: outcomes)
        let (stream, continuation) = AsyncStream.makeStream(of: DeploymentStateChange.self)
        notifier.start(changes: stream)
        continuation.yield(change())
        try await server.waitForRequests(count: 2)
        #expect(await eventually { outcomes.count(.sent) == 2 })
        await notifier.stop()

        let requests = server.requests
        let json = try #require(requests.first { $0.target == "/hook/json" })
        #expect(json.method == "POST")
        #expect(json.header("Content-Type") == "application/json")
        #expect(json.header("Authorization") == "Bearer hook-token")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.body)) as? [String: Any])
        #expect(object["to"] as? String == "down")
        let slack = try #require(requests.first { $0.target == "/hook/slack" })
        let text = try #require(try JSONSerialization.jsonObject(with: Data(slack.body)) as? [String: String])["text"]
        #expect(text?.contains("meta/llama") == true)
    }

    @Test func retriesServerErrorsThenDelivers() async throws {
        let calls = TestCounter()
        let server = try ScriptedTCPServer.answering { _ in
            calls.add()
            return calls.count <= 2
                ? ScriptedResponse(status: 503, headers: [("Retry-After", "0")], body: "busy")
                : ScriptedResponse(status: 200, body: "ok")
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier([WebhookConfig(url: server.baseURL + "/hook")], client: client, outcomes: outcomes)
        notifier.start()
        notifier.submit(change())
        #expect(await eventually { outcomes.all == [.sent] })
        #expect(server.requests.count == 3)
        await notifier.stop()
    }

    @Test func aRefusalIsNotRetried() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 400, body: "bad payload") }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier([WebhookConfig(url: server.baseURL + "/hook")], client: client, outcomes: outcomes)
        notifier.start()
        notifier.submit(change())
        notifier.submit(change("other/model"))
        #expect(await eventually { outcomes.all == [.failed, .failed] })
        #expect(server.requests.count == 2)
        await notifier.stop()
    }

    @Test func aDeadWebhookIsGivenUpAfterTheRetries() async throws {
        let port = try ScriptedTCPServer.closedPort()
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier(
            [WebhookConfig(url: "http://127.0.0.1:\(port)/hook", timeout: .seconds(2))], client: client,
            outcomes: outcomes)
        notifier.start()
        notifier.submit(change())
        #expect(await eventually { outcomes.all == [.failed] })
        await notifier.stop()
    }

    /// A stalled receiver neither blocks the producer nor the other webhook; its full queue drops the oldest.
    @Test func aStalledWebhookDelaysOnlyItself() async throws {
        let stalled = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.stall()
        }
        defer { stalled.stop() }
        let healthy = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 204) }
        defer { healthy.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier(
            [
                WebhookConfig(url: stalled.baseURL + "/slow", timeout: .seconds(60)),
                WebhookConfig(url: healthy.baseURL + "/fast", events: [.down]),
            ], client: client, outcomes: outcomes, queueSize: 10)
        notifier.start()
        notifier.submit(change("m/0"))
        try await stalled.waitForRequests(count: 1)  // the slow worker is now stuck in its first delivery
        try await healthy.waitForRequests(count: 1)  // and the fast one has taken m/0 off its queue
        for index in 1...20 {
            notifier.submit(change("m/\(index)", to: index % 2 == 0 ? .down : .up))
        }
        // The slow queue (10) kept the newest 10 of 20; the fast webhook wanted only the 10 `down` changes,
        // which fit its own queue whatever its worker had taken yet.
        #expect(notifier.droppedCount == 10)
        #expect(outcomes.count(.dropped) == 10)
        // m/0 (a `down` change too) and the 10 later ones.
        try await healthy.waitForRequests(count: 11)
        #expect(await eventually { outcomes.count(.sent) == 11 })
        let bodies = healthy.requests.map(\.bodyText)
        #expect(bodies.allSatisfy { $0.contains(#""to":"down""#) })

        // Stopping gives the stalled delivery its grace period, then cancels it; stop still returns.
        await notifier.stop(gracePeriod: .milliseconds(100))
        #expect(notifier.queuedCount == 10)
    }

    @Test func stopDeliversWhatIsQueued() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 200) }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcomes = Outcomes()
        let notifier = Self.notifier([WebhookConfig(url: server.baseURL + "/hook")], client: client, outcomes: outcomes)
        for index in 0..<5 { notifier.submit(change("m/\(index)")) }  // queued before the worker exists
        notifier.start()
        await notifier.stop(gracePeriod: .seconds(10))
        #expect(outcomes.all == Array(repeating: .sent, count: 5))
        #expect(server.requests.map(\.bodyText).map { $0.contains("m/") } == Array(repeating: true, count: 5))
        notifier.submit(change())  // after stop: ignored
        #expect(notifier.queuedCount == 0)
    }
}

/// Webhook URLs are secrets: not even a trace-level log shows more than their scheme and host.
@Suite struct WebhookLogTests {
    struct CapturingHandler: LogHandler {
        let box: Box
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            box.lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
        }
    }

    final class Box: Sendable { let lines = Mutex<[String]>([]) }

    @Test func failuresNeverLogTheURLPathOrHeaders() async throws {
        let box = Box()
        let logger = Logger(label: "notify") { _ in CapturingHandler(box: box) }
        let port = try ScriptedTCPServer.closedPort()
        let refusing = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 403, body: "SECRET-ECHO") }
        defer { refusing.stop() }
        let outcomes = WebhookNotifierTests.Outcomes()
        // No client given: the notifier makes its own, whose debug lines (with URLs) stay below its level.
        let notifier = WebhookNotifier(
            config: NotificationsConfig(webhooks: [
                WebhookConfig(
                    url: "http://127.0.0.1:\(port)/services/SECRET-PATH?token=SECRET-QUERY", timeout: .seconds(2),
                    headers: [("Authorization", "Bearer SECRET-HEADER")]),
                WebhookConfig(url: refusing.baseURL + "/SECRET-PATH-2"),
            ]), logger: logger, retryPolicy: WebhookNotifierTests.fastRetries, onOutcome: { outcomes.add($0) })
        notifier.start()
        notifier.submit(change())
        #expect(await eventually(timeout: .seconds(60)) { outcomes.all == [.failed, .failed] })
        await notifier.stop()
        let text = box.lines.withLock { $0.joined(separator: "\n") }
        #expect(text.contains("127.0.0.1"), "\(text)")
        #expect(text.contains("HTTP 403"))
        for secret in ["SECRET-PATH", "SECRET-QUERY", "SECRET-HEADER", "SECRET-ECHO"] {
            #expect(!text.contains(secret), "\(text)")
        }
    }
}
