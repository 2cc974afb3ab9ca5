import Foundation
import MRAPI
import MRCatalog
import MRConfig
import MRHTTPServer
import MRProviders
import MRWeb
import Testing

/// Accepts `ar_good`; no credentials is nil; anything else is invalid.
struct StubAuthenticator: Authenticator {
    var publicCatalog = false
    func authenticate(_ request: HTTPRequest) throws -> Authentication {
        switch request.credential {
        case nil: return .known(nil)
        case "ar_good": return .known(Principal(kind: .apiKey, id: "k1", name: "good", isAdmin: false))
        default: throw APIError.authInvalid()
        }
    }
}

/// A router over the catalog routes with a small two-provider catalog.
final class RoutesFixture {
    let storeFixture: StoreFixture
    let service: CatalogService?
    let router: Router

    init(withService: Bool = true, health: StubHealth = StubHealth(values: [:]), publicCatalog: Bool = false)
        async throws
    {
        storeFixture = try StoreFixture()
        let config = try ConfigLoader.load(path: nil, environment: [:])
        if withService {
            let nvidia = StubAdapter(
                "nvidia",
                .models([
                    model("meta/llama-3.1-8b-instruct", name: "Llama 3.1 8B"),
                    model("meta/llama-3.2-11b-vision-instruct"),
                    model("nvidia/nv-embedqa-e5-v5"), model("mistralai/codestral-22b"),
                ]))
            let demo = StubAdapter(
                "demo", type: .simulated, simulated: true,
                .models([model("sim/flaky"), model("meta/llama-3.1-8b-instruct")]))
            let providers = [
                ProviderConfig(
                    id: "nvidia", type: .openai, baseURL: "https://integrate.api.nvidia.com/v1",
                    apiKey: "nvapi-TOPSECRET",
                    models: [ModelOverride(id: "meta/llama-3.1-8b-instruct", inputCostPerMTok: 0.2)]),
                ProviderConfig(id: "demo", type: .simulated),
                ProviderConfig(id: "broken", type: .openai, baseURL: "https://broken.example", apiKey: "sk-TOPSECRET"),
            ]
            let broken = StubAdapter(
                "broken", .fail(ProviderError(kind: .authError, message: "bad key", httpStatus: 401)))
            let service = CatalogService(
                providers: providers, adapters: [nvidia, demo, broken], store: storeFixture.store, logger: quietLogger)
            await service.refresh()
            self.service = service
        } else {
            service = nil
        }
        let context = APIContext(config: config, store: storeFixture.store, logger: quietLogger, catalog: service)
        router = Router(
            routes: CatalogRoutes.make(context, health: health),
            authenticator: StubAuthenticator(publicCatalog: publicCatalog), logger: quietLogger)
    }

    func get(_ path: String, query: [(String, String)] = [], key: String? = "ar_good") async -> (Int, [String: Any]) {
        var request = HTTPRequest(method: "GET", path: path)
        request.query = query
        if let key { request.headers.add("X-API-Key", key) }
        let response = await router.handle(request).response()
        guard case .bytes(let bytes) = response.body,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return (response.status, [:]) }
        return (response.status, object)
    }

    func ids(_ path: String, _ query: [(String, String)] = []) async -> [String] {
        let (_, body) = await get(path, query: query)
        return (body["models"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }
}

@Suite struct CatalogRoutesTests {
    @Test func listShapeFollowsTheSpec() async throws {
        let fixture = try await RoutesFixture()
        let (status, body) = await fixture.get("/api/models")
        #expect(status == 200)
        let models = try #require(body["models"] as? [[String: Any]])
        #expect(body["count"] as? Int == 5)
        #expect(models.count == 5)
        let llama = try #require(models.first { $0["id"] as? String == "meta/llama-3.1-8b-instruct" })
        #expect(llama["name"] as? String == "Llama 3.1 8B")
        #expect(llama["publisher"] as? String == "meta")
        #expect(llama["capabilities"] as? [String] == ["chat"])
        #expect(llama["status"] as? String == "unknown")
        #expect(llama["state"] as? String == "unknown")
        #expect(llama["simulated"] as? Bool == false)
        #expect(llama["latency_ms"] is NSNull)
        #expect(llama["last_checked"] is NSNull)
        for key in [
            "id", "name", "publisher", "capabilities", "status", "state", "simulated", "latency_ms",
            "last_checked", "deployments", "context_length",
        ] {
            #expect(llama[key] != nil, "missing \(key)")
        }
        let deployments = try #require(llama["deployments"] as? [[String: Any]])
        #expect(deployments.map { $0["provider"] as? String } == ["nvidia", "demo"])
        let nvidia = deployments[0]
        #expect(nvidia["upstream_id"] as? String == "meta/llama-3.1-8b-instruct")
        #expect(nvidia["input_cost_per_mtok"] as? Double == 0.2)
        #expect(nvidia["output_cost_per_mtok"] is NSNull)
        for key in ["status", "state", "latency_ms", "ttft_ms", "last_checked"] {
            #expect(nvidia[key] != nil, "missing deployment \(key)")
        }
        #expect(deployments[1]["simulated"] as? Bool == true)
        let flaky = try #require(models.first { $0["id"] as? String == "sim/flaky" })
        #expect(flaky["simulated"] as? Bool == true)
    }

    @Test func filters() async throws {
        let fixture = try await RoutesFixture()
        #expect(await fixture.ids("/api/models", [("capability", "vision")]) == ["meta/llama-3.2-11b-vision-instruct"])
        #expect(await fixture.ids("/api/models", [("capability", "embedding")]) == ["nvidia/nv-embedqa-e5-v5"])
        #expect(await fixture.ids("/api/models", [("capability", "code")]) == ["mistralai/codestral-22b"])
        #expect(
            await fixture.ids("/api/models", [("publisher", "META")]) == [
                "meta/llama-3.1-8b-instruct", "meta/llama-3.2-11b-vision-instruct",
            ])
        #expect(await fixture.ids("/api/models", [("search", "LLAMA 3.1")]) == ["meta/llama-3.1-8b-instruct"])  // name
        #expect(await fixture.ids("/api/models", [("search", "embedqa")]) == ["nvidia/nv-embedqa-e5-v5"])  // id
        #expect(
            await fixture.ids("/api/models", [("search", "llama"), ("capability", "chat")]) == [
                "meta/llama-3.1-8b-instruct", "meta/llama-3.2-11b-vision-instruct",
            ])
        #expect(await fixture.ids("/api/models", [("status", "unknown")]).count == 5)
        #expect(await fixture.ids("/api/models", [("status", "available")]).isEmpty)
        #expect(await fixture.ids("/api/models/available").isEmpty)
    }

    @Test(arguments: [
        ("capability", "telepathy", "chat, code, vision, embedding"),
        ("status", "great", "ok, degraded, rate_limited, auth_error, not_found, timeout, error, unknown, available"),
        ("search", String(repeating: "x", count: 201), "longer than 200"),
    ])
    func invalidFiltersAre400(name: String, value: String, mention: String) async throws {
        let fixture = try await RoutesFixture()
        let (status, body) = await fixture.get("/api/models", query: [(name, value)])
        #expect(status == 400)
        #expect(body["error_code"] as? String == "VALIDATION_ERROR")
        #expect((body["detail"] as? String)?.contains(mention) == true)
    }

    @Test func healthDecidesStatusAvailabilityAndTheBestDeployment() async throws {
        let checked = Date(timeIntervalSince1970: 1_700_000_000)
        let health = StubHealth(values: [
            "meta/llama-3.1-8b-instruct@nvidia": DeploymentHealth(
                status: .degraded, state: .up, latencyMs: 900, ttftMs: 300, lastChecked: checked),
            "meta/llama-3.1-8b-instruct@demo": DeploymentHealth(status: .ok, state: .up, latencyMs: 120),
            "sim/flaky@demo": DeploymentHealth(status: .error, state: .down, latencyMs: 50),
        ])
        let fixture = try await RoutesFixture(health: health)
        #expect(await fixture.ids("/api/models/available") == ["meta/llama-3.1-8b-instruct"])
        #expect(await fixture.ids("/api/models", [("status", "ok")]) == ["meta/llama-3.1-8b-instruct"])
        #expect(await fixture.ids("/api/models", [("status", "error")]) == ["sim/flaky"])
        #expect(
            await fixture.ids("/api/models/available", [("capability", "vision")]).isEmpty)
        let (_, llama) = await fixture.get("/api/models/meta/llama-3.1-8b-instruct")
        #expect(llama["status"] as? String == "ok")  // the demo deployment is the best one
        #expect(llama["state"] as? String == "up")
        #expect(llama["latency_ms"] as? Int == 120)
        let deployments = try #require(llama["deployments"] as? [[String: Any]])
        #expect(deployments[0]["status"] as? String == "degraded")
        #expect(deployments[0]["ttft_ms"] as? Int == 300)
        #expect(deployments[0]["last_checked"] as? String == "2023-11-14T22:13:20Z")

        let (_, publishers) = await fixture.get("/api/publishers")
        let rows = try #require(publishers["publishers"] as? [[String: Any]])
        #expect(rows.map { $0["publisher"] as? String } == ["meta", "mistralai", "nvidia", "sim"])
        #expect(rows.map { $0["models"] as? Int } == [2, 1, 1, 1])
        #expect(rows.map { $0["available"] as? Int } == [1, 0, 0, 0])
    }

    @Test func oneModelAnd404() async throws {
        let fixture = try await RoutesFixture()
        let (status, body) = await fixture.get("/api/models/meta/llama-3.2-11b-vision-instruct")
        #expect(status == 200)
        #expect(body["id"] as? String == "meta/llama-3.2-11b-vision-instruct")
        #expect(body["capabilities"] as? [String] == ["chat", "vision"])
        let (missing, error) = await fixture.get("/api/models/meta/nope")
        #expect(missing == 404)
        #expect(error["error_code"] as? String == "NOT_FOUND")
        // The literal route still wins over the id pattern.
        let (available, _) = await fixture.get("/api/models/available")
        #expect(available == 200)
    }

    @Test func openAIModelList() async throws {
        let fixture = try await RoutesFixture()
        let (status, body) = await fixture.get("/v1/models")
        #expect(status == 200)
        #expect(body["object"] as? String == "list")
        let data = try #require(body["data"] as? [[String: Any]])
        #expect(data.count == 5)
        let first = try #require(data.first)
        #expect(first["id"] as? String == "meta/llama-3.1-8b-instruct")
        #expect(first["object"] as? String == "model")
        #expect(first["owned_by"] as? String == "meta")
        #expect((first["created"] as? Int ?? 0) > 1_600_000_000)
    }

    @Test func providersShowDiscoveryButNeverTheKey() async throws {
        let fixture = try await RoutesFixture()
        var request = HTTPRequest(method: "GET", path: "/api/providers")
        request.headers.add("X-API-Key", "ar_good")
        guard case .response(let response) = fixture.router.handle(request), case .bytes(let bytes) = response.body
        else {
            Issue.record("expected a synchronous answer")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("TOPSECRET"))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let providers = try #require(body["providers"] as? [[String: Any]])
        #expect(providers.map { $0["id"] as? String } == ["nvidia", "demo", "broken"])
        #expect(providers.map { $0["models"] as? Int } == [4, 2, 0])
        #expect(providers.map { $0["simulated"] as? Bool } == [false, true, false])
        #expect(providers[0]["base_url"] as? String == "https://integrate.api.nvidia.com/v1")
        #expect(providers[1]["base_url"] is NSNull)
        let broken = try #require(providers[2]["discovery"] as? [String: Any])
        #expect(broken["consecutive_failures"] as? Int == 1)
        #expect((broken["last_error"] as? String)?.contains("auth_error") == true)
        #expect(broken["last_success_at"] is NSNull)
        let nvidia = try #require(providers[0]["discovery"] as? [String: Any])
        #expect(nvidia["last_success_at"] is String)
        #expect(nvidia["last_error"] is NSNull)
    }

    @Test func authIsRequiredUnlessTheCatalogIsPublic() async throws {
        let closed = try await RoutesFixture()
        #expect(await closed.get("/api/models", key: nil).0 == 401)
        #expect(await closed.get("/v1/models", key: nil).0 == 401)
        let open = try await RoutesFixture(publicCatalog: true)
        #expect(await open.get("/api/models", key: nil).0 == 200)
        #expect(await open.get("/api/providers", key: nil).0 == 401)  // not a catalog route
    }

    @Test func withoutACatalogServiceTheRoutesAnswer503() async throws {
        let fixture = try await RoutesFixture(withService: false)
        let (status, body) = await fixture.get("/api/models")
        #expect(status == 503)
        #expect(body["error_code"] as? String == "NOT_READY")
        let (openAI, openAIBody) = await fixture.get("/v1/models")
        #expect(openAI == 503)
        #expect((openAIBody["error"] as? [String: Any])?["code"] as? String == "NOT_READY")
    }
}
