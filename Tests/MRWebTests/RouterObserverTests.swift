import Logging
import MRHTTPServer
import MRTestSupport
import MRWeb
import Synchronization
import Testing

/// The router's request observer: route patterns (never raw paths) as labels, and streams counted when
/// their response head goes out.
@Suite struct RouterObserverTests {
    final class Seen: Sendable {
        let entries = Mutex<[(route: String, code: Int)]>([])
        var all: [(route: String, code: Int)] { entries.withLock { $0 } }
    }

    static func router(_ seen: Seen) -> Router {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let endless = HTTPStreamBody { writer in
            try await writer.write("data: 1\n\n")
            try await Task.sleep(for: .seconds(3600))
        }
        return Router(
            routes: [
                Route(
                    "GET", "/api/models/{id...}", summary: "", access: .public, tag: "t",
                    handler: .sync { _ in .json(bytes: Array("{}".utf8)) }),
                Route(
                    "GET", "/api/reports/{id}", summary: "", access: .authenticated, tag: "t", handler: .notImplemented),
                Route(
                    "GET", "/stream", summary: "", access: .public, tag: "t",
                    handler: .async { _ in HTTPResponse(status: 200, body: .stream(endless)) }),
                Route("GET", "/boom", summary: "", access: .public, tag: "t", handler: .async { _ in throw Boom() }),
            ], authenticator: FixedAuthenticator(), logger: logger,
            requestObserver: { route, code, _ in seen.entries.withLock { $0.append((route, code)) } })
    }

    @Test func labelsArePatternsAndUnmatchedNeverRawPaths() async {
        let seen = Seen()
        let router = Self.router(seen)
        _ = await run(router, "GET", "/api/models/meta/llama-3.1-8b")
        _ = await run(router, "GET", "/no/such/secret-path")
        _ = await run(router, "POST", "/api/models/a/b")
        _ = await run(router, "GET", "/api/reports/7")
        _ = await run(router, "GET", "/api/reports/7", key: "ar_good")
        _ = await run(router, "GET", "/boom")
        let entries = seen.all
        #expect(
            entries.map(\.route) == [
                "/api/models/{id...}", "unmatched", "unmatched", "/api/reports/{id}", "/api/reports/{id}", "/boom",
            ])
        #expect(entries.map(\.code) == [200, 404, 405, 401, 501, 500])
    }

    /// A stream that has not ended (and never will here) is already counted once its head is handed over.
    @Test func streamsCountWhenTheirHeadGoesOut() async {
        let seen = Seen()
        let router = Self.router(seen)
        guard case .deferred(let work) = router.handle(HTTPRequest(method: "GET", path: "/stream")) else {
            Issue.record("expected a deferred handler")
            return
        }
        #expect(seen.all.isEmpty)
        let response = await work()
        guard case .stream = response.body else {
            Issue.record("expected a stream")
            return
        }
        #expect(seen.all.map(\.route) == ["/stream"])
        #expect(seen.all.map(\.code) == [200])
    }

    /// Errors the server raises itself (body too large) are observed under the route they were meant for.
    @Test func serverErrorsAreObservedToo() {
        let seen = Seen()
        let router = Self.router(seen)
        let response = router.serverError(
            .payloadTooLarge(limit: 10), request: HTTPRequest(method: "GET", path: "/api/models/x/y"))
        #expect(response.status == 413)
        #expect(seen.all.map(\.route) == ["/api/models/{id...}"])
    }
}
