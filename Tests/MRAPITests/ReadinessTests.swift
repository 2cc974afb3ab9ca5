import Logging
import MRAPI
import MRStore
import MRTestSupport
import Testing

/// `/readyz` answers from a background store check: ready when the last check read the store, not
/// ready when the store stops answering, when the check is stale, and once shutdown begins.
@Suite struct ReadinessTests {
    @Test func followsTheStore() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file("ready.db"), logger: Logger(label: "test"))
        let monitor = ReadinessMonitor(store: store, interval: .milliseconds(10))
        await monitor.start()
        #expect(monitor.notReadyReason() == nil)
        store.close()
        #expect(await eventually { monitor.notReadyReason() == "the database is not reachable" })
        monitor.stop()
        #expect(monitor.notReadyReason() == "the server is shutting down")
    }

    @Test func aStaleCheckIsNotReady() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file("stale.db"), logger: Logger(label: "test"))
        defer { store.close() }
        let monitor = ReadinessMonitor(store: store, interval: .seconds(3600), staleAfter: .seconds(5))
        #expect(monitor.notReadyReason() != nil)  // never checked
        await monitor.start()
        defer { monitor.stop() }
        #expect(monitor.notReadyReason() == nil)
        #expect(monitor.notReadyReason(now: .now + .seconds(6)) == "the store has not answered a check recently")
    }

    @Test func readyzOverTheWire() async throws {
        let app = try await TestApplication()
        let ready = try await app.request("GET", "/readyz")
        app.application.readiness.stop()
        let draining = try await app.request("GET", "/readyz")
        await app.stop()
        #expect(ready.status == 200)
        #expect(draining.status == 503)
        #expect(draining.text.contains(#""error_code":"NOT_READY""#))
    }
}
