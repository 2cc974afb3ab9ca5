import MRCommon
import MRHTTPServer
import MRWeb

/// Liveness, readiness and the landing page.
enum HealthRoutes {
    static func make(_ context: APIContext) -> [Route] {
        let healthy = HTTPResponse.json(bytes: Array(#"{"status":"ok"}"#.utf8))
        return [
            Route(
                "GET", "/healthz", summary: "Liveness: the process answers", access: .public, tag: "operations",
                handler: .sync { _ in healthy }),
            readinessRoute(context),
            Route(
                "GET", "/", summary: "Landing page", access: .public, tag: "operations", produces: ["text/html"],
                handler: .sync { _ in
                    HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", bytes: landingPage)
                }),
        ]
    }

    static func readinessRoute(_ context: APIContext) -> Route {
        let ready = HTTPResponse.json(bytes: Array(#"{"status":"ready"}"#.utf8))
        @Sendable func notReady(_ reason: String) -> HTTPResponse {
            APIError(status: 503, errorCode: "NOT_READY", detail: reason).response(style: .spec)
        }
        let summary = "Readiness: the store answered a real read within the last seconds; 503 while shutting down"
        if let monitor = context.readiness {
            return Route(
                "GET", "/readyz", summary: summary, access: .public, tag: "operations",
                handler: .sync { _ in monitor.notReadyReason().map(notReady) ?? ready })
        }
        let store = context.store
        return Route(
            "GET", "/readyz", summary: summary, access: .public, tag: "operations",
            handler: .async { _ in await store.isReachable() ? ready : notReady("the database is not reachable") })
    }

    /// A plain page until the dashboard lands: what this is and where the machine-readable parts are.
    static let landingPage = Array(
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>ModelRouter</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}
        code{background:#f2f2f2;padding:0 .25rem}</style></head>
        <body><h1>ModelRouter \(ModelRouterVersion.current)</h1>
        <p>A self-hosted, monitoring-first LLM gateway.</p>
        <ul>
        <li><a href="/api/bot/spec">/api/bot/spec</a>: endpoints, auth and error codes, machine-readable</li>
        <li><a href="/api/openapi.json">/api/openapi.json</a>: the OpenAPI 3.1 description</li>
        <li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a></li>
        </ul>
        <p>Authenticate with <code>X-API-Key: ar_…</code>; create a key with <code>modelrouter keys create NAME</code>.</p>
        </body></html>
        """.utf8)
}
