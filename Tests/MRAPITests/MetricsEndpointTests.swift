import MRConfig
import MRTestSupport
import Testing

/// `/metrics` on the real server: public by default, the metrics token when configured, and the HTTP
/// counters fed by the router's observer.
@Suite struct MetricsEndpointTests {
    /// Runs `body` against a fresh app and stops it afterwards, also when `body` throws.
    func withApp(
        _ configure: @escaping (inout Config) -> Void = { _ in }, _ body: (TestApplication) async throws -> Void
    ) async throws {
        let app = try await TestApplication(configure: configure)
        do {
            try await body(app)
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }

    @Test func publicMetricsCountRequestsByRoutePattern() async throws {
        try await withApp { app in
            #expect(try await app.request("GET", "/healthz").status == 200)
            let model = try await app.request(
                "GET", "/api/models/meta/secret-looking-id", key: TestApplication.adminKey)
            #expect(model.status == 404)
            #expect(try await app.request("GET", "/no/such/path-with-user-text").status == 404)

            let response = try await app.request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = response.text
            #expect(text.contains(#"modelrouter_http_requests_total{route="/healthz",code="200"} 1"#))
            #expect(text.contains(#"modelrouter_http_requests_total{route="unmatched",code="404"} 1"#))
            #expect(text.contains(#"route="/api/models/{id...}""#))
            #expect(!text.contains("secret-looking-id") && !text.contains("path-with-user-text"))
            #expect(text.contains("# TYPE modelrouter_http_request_duration_seconds histogram"))
            #expect(text.contains("process_resident_memory_bytes "))
            // Test apps run with the schedule off (TestApplication), and the gauge says so.
            #expect(text.contains(#"modelrouter_probe_interval_seconds 0"#))
        }
    }

    /// The catalog's deployments are exported as `modelrouter_model_info` with their capabilities.
    @Test func catalogDeploymentsCarryCapabilities() async throws {
        try await withApp({ $0.demo = true }) { app in
            let found = await eventually {
                let text = (try? await app.request("GET", "/metrics").text) ?? ""
                return text.contains(#"modelrouter_model_info{provider="demo""#) && text.contains(#"capability="code""#)
            }
            #expect(found)
        }
    }

    @Test func metricsTokenIsRequiredWhenSet() async throws {
        try await withApp({ $0.server.metricsToken = "scrape-secret-123" }) { app in
            let missing = try await app.request("GET", "/metrics")
            #expect(missing.status == 401)
            #expect(missing.text.contains("AUTH_REQUIRED"))
            let wrong = try await app.request("GET", "/metrics", headers: [("Authorization", "Bearer nope")])
            #expect(wrong.status == 401)
            #expect(wrong.text.contains("AUTH_INVALID"))
            let admin = try await app.request("GET", "/metrics", key: TestApplication.adminKey)
            #expect(admin.status == 401)
            let right = try await app.request(
                "GET", "/metrics", headers: [("Authorization", "Bearer scrape-secret-123")])
            #expect(right.status == 200)
            #expect(right.text.contains(#"code="401""#))
            #expect(!right.text.contains("scrape-secret-123"))
        }
    }
}
