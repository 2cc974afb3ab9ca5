import Foundation
import MRTestSupport
import Testing

/// The real service on an ephemeral port: health, discovery documents, errors, 501s.
@Suite struct DiscoveryAndHealthTests {
    @Test func healthAndReadiness() async throws {
        let app = try await TestApplication()
        let health = try await app.request("GET", "/healthz")
        let ready = try await app.request("GET", "/readyz")
        await app.stop()
        #expect(health.status == 200)
        #expect(health.text == #"{"status":"ok"}"#)
        #expect(health.header("Content-Type") == "application/json")
        #expect(ready.status == 200)
        #expect(ready.text.contains("ready"))
    }

    @Test func landingPageIsPublicHTML() async throws {
        let app = try await TestApplication()
        let page = try await app.request("GET", "/")
        await app.stop()
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.text.contains("/api/bot/spec"))
    }

    @Test func botSpecListsEveryRouteAndErrorCode() async throws {
        let app = try await TestApplication()
        let response = try await app.request("GET", "/api/bot/spec")
        let routes = app.application.router.routes
        await app.stop()
        #expect(response.status == 200)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let endpoints = try #require(document["endpoints"] as? [[String: Any]])
        #expect(endpoints.count == routes.count)
        for route in routes {
            #expect(
                endpoints.contains {
                    $0["path"] as? String == route.pattern.description && $0["method"] as? String == route.method
                },
                "missing \(route.method) \(route.pattern)")
        }
        let errors = try #require(document["errors"] as? [String: Any])
        let codes = try #require(errors["codes"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        for code in [
            "AUTH_REQUIRED", "AUTH_INVALID", "VALIDATION_ERROR", "NOT_FOUND", "METHOD_NOT_ALLOWED",
            "PAYLOAD_TOO_LARGE", "INTERNAL", "NOT_IMPLEMENTED", "RATE_LIMITED", "NO_MODEL_AVAILABLE",
        ] {
            #expect(codes.contains(code))
        }
        #expect(document["quickstart"] is [String])
    }

    @Test func openAPIDescribesEveryRoute() async throws {
        let app = try await TestApplication()
        let response = try await app.request("GET", "/api/openapi.json")
        let routes = app.application.router.routes
        await app.stop()
        #expect(response.status == 200)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for route in routes {
            let template = route.pattern.description.replacingOccurrences(of: "...}", with: "}")
            #expect(paths[template]?[route.method.lowercased()] != nil, "missing \(route.method) \(template)")
        }
        // Model ids contain '/', and the document says so.
        let model = try #require(paths["/api/models/{id}"]?["get"] as? [String: Any])
        let parameters = try #require(model["parameters"] as? [[String: Any]])
        #expect((parameters.first?["description"] as? String)?.contains("may contain '/'") == true)

        // Parameters carry the constraints their handlers enforce.
        let models = try #require(paths["/api/models"]?["get"] as? [String: Any])
        let capability = try #require(
            (models["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "capability" })
        #expect(
            (capability["schema"] as? [String: Any])?["enum"] as? [String] == ["chat", "code", "vision", "embedding"])
        let reports = try #require(paths["/api/reports"]?["get"] as? [String: Any])
        let limit = try #require(
            (reports["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "limit" })
        let limitSchema = try #require(limit["schema"] as? [String: Any])
        #expect(limitSchema["minimum"] as? Int == 1 && limitSchema["maximum"] as? Int == 200)
        // Bodies have schemas; a route that creates answers 201; /v1 chat answers JSON or a stream.
        let chat = try #require(paths["/v1/chat/completions"]?["post"] as? [String: Any])
        let body = try #require(
            ((chat["requestBody"] as? [String: Any])?["content"] as? [String: [String: Any]])?["application/json"])
        let bodySchema = try #require(body["schema"] as? [String: Any])
        #expect(bodySchema["required"] as? [String] == ["model", "messages"])
        let success = try #require((chat["responses"] as? [String: Any])?["200"] as? [String: Any])
        #expect(Set(((success["content"] as? [String: Any]) ?? [:]).keys) == ["application/json", "text/event-stream"])
        let createKey = try #require(paths["/api/keys"]?["post"] as? [String: Any])
        #expect((createKey["responses"] as? [String: Any])?["201"] != nil)
    }

    @Test func everySpecEndpointIsDeclared() async throws {
        let app = try await TestApplication()
        let declared = Set(app.application.router.routes.map { "\($0.method) \($0.pattern.description)" })
        await app.stop()
        let spec = [
            "GET /api/models", "GET /api/models/available", "GET /api/publishers", "GET /api/availability",
            "POST /api/chat", "GET /api/chat/stream", "POST /api/chat/stream/multi", "GET /api/probe/single",
            "GET /api/probe/stream", "GET /api/reports/latest", "GET /api/bot/spec", "GET /api/reports",
            "GET /api/reports/{id}", "GET /api/availability/{model...}/history", "POST /api/auth/signup",
            "POST /api/auth/login", "GET /api/auth/verify", "GET /api/auth/me", "POST /api/keys", "GET /api/keys",
            "DELETE /api/keys/{id}", "GET /api/provider-keys", "POST /api/provider-keys", "GET /api/bots",
            "GET /api/openapi.json", "GET /healthz", "GET /readyz", "GET /metrics", "POST /v1/chat/completions",
            "GET /v1/models", "POST /v1/embeddings", "GET /api/models/{id...}",
        ]
        for endpoint in spec { #expect(declared.contains(endpoint), "\(endpoint) is not declared") }
    }

    @Test func unbuiltEndpointsAnswer501AfterAuth() async throws {
        let app = try await TestApplication()
        let unauthenticated = try await app.request("GET", "/api/bots")
        let built = try await app.request("GET", "/api/bots", key: TestApplication.adminKey)
        let openAI = try await app.request(
            "POST", "/v1/chat/completions", key: TestApplication.adminKey, body: #"{"model":"x","messages":[]}"#)
        await app.stop()
        #expect(unauthenticated.status == 401)
        #expect(built.status == 501)
        #expect(built.text.contains(#""error_code":"NOT_IMPLEMENTED""#))
        // Built since: a bad body on /v1 is a 400 in OpenAI's error shape.
        #expect(openAI.status == 400)
        #expect(openAI.text.contains(#""code":"VALIDATION_ERROR""#))
    }

    @Test func errorsOverTheWire() async throws {
        let app = try await TestApplication { $0.server.maxBodyBytes = 2048 }
        let missing = try await app.request("GET", "/api/nothing-here")
        let wrongMethod = try await app.request("PUT", "/healthz")
        let tooLarge = try await app.request(
            "POST", "/api/keys", key: TestApplication.adminKey, body: String(repeating: "x", count: 5000))
        let badJSON = try await app.request("POST", "/api/keys", key: TestApplication.adminKey, body: "{nope")
        let wrongType = try await app.request("POST", "/api/keys", key: TestApplication.adminKey, body: #"{"name": 5}"#)
        await app.stop()
        #expect(missing.status == 404)
        #expect(missing.text.contains(#""error_code":"NOT_FOUND""#))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "GET")
        #expect(tooLarge.status == 413)
        #expect(tooLarge.text.contains("PAYLOAD_TOO_LARGE"))
        #expect(badJSON.status == 400)
        #expect(badJSON.text.contains("VALIDATION_ERROR"))
        #expect(wrongType.status == 400)
        #expect(wrongType.text.contains("'name' must be a string"))
    }
}
