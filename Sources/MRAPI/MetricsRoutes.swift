import Crypto
import MRHTTPServer
import MRMetrics
import MRWeb

/// `GET /metrics`: the Prometheus text format, public unless `server.metrics_token` is set.
enum MetricsRoutes {
    static func make(_ context: APIContext) -> [Route] {
        let metrics = context.metrics
        // Comparing digests keeps the comparison's timing independent of the token's content.
        let tokenDigest = context.config.server.metricsToken.map { Array(SHA256.hash(data: Array($0.utf8))) }
        return [
            Route(
                "GET", "/metrics",
                summary: "Prometheus metrics (text format); with server.metrics_token set, send "
                    + "Authorization: Bearer <token>",
                access: .public, tag: "operations", produces: ["text/plain"],
                // Rendering takes a few milliseconds at 1,000 deployments (bench/metrics): done in the global pool,
                // not on the event loop whose proxied chats would wait meanwhile.
                handler: .async { request in
                    if let tokenDigest { try authorize(request.http, tokenDigest: tokenDigest) }
                    return HTTPResponse(status: 200, contentType: Metrics.contentType, bytes: metrics.render())
                })
        ]
    }

    private static func authorize(_ request: HTTPRequest, tokenDigest: [UInt8]) throws {
        guard let credential = request.credential else {
            throw APIError.authRequired("/metrics needs the metrics token: send Authorization: Bearer <token>")
        }
        guard credential.utf8.count <= 512, Array(SHA256.hash(data: Array(credential.utf8))) == tokenDigest else {
            throw APIError.authInvalid("the metrics token is wrong")
        }
    }
}
