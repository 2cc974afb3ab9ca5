import MRCatalog
import MRConfig
import MRHTTPServer
import MRWeb

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The catalog endpoints: `/api/models` (filters), `/api/models/available`, `/api/models/{id...}`,
/// `/api/publishers`, `/api/providers` and OpenAI's `/v1/models`.
///
/// Every handler reads the in-memory snapshot (`CatalogService.catalog`) and the health source, so they
/// answer on the server's thread. Without a catalog service they answer 503.
package enum CatalogRoutes {
    /// The longest `search` or `publisher` filter accepted.
    package static let maximumFilterLength = 200

    /// - Parameter health: where each deployment's status comes from (all `unknown` until probes exist).
    package static func make(
        _ context: APIContext, health: any DeploymentHealthSource = UnknownDeploymentHealth()
    ) -> [Route] {
        let catalog = context.catalog
        @Sendable func service() throws -> CatalogService {
            guard let catalog else {
                throw APIError.notReady("the model catalog is not available on this server")
            }
            return catalog
        }
        return [
            Route(
                "GET", "/api/models", summary: "All models, with filters", access: .catalog, tag: "catalog",
                parameters: [
                    .capability(), .idFilter("publisher", maxLength: maximumFilterLength, "publisher name"),
                    // Any text: the byte limit over the 4 bytes a character may take in UTF-8.
                    .init("search", "substring of the id or name", maxLength: maximumFilterLength / 4),
                    .init(
                        "status", "a probe status, or 'available'", allowed: CatalogQuery.StatusFilter.allowedValues),
                ],
                handler: .sync { request in
                    let query = try parseQuery(request.query, forcedStatus: nil)
                    return modelList(try service().catalog, query: query, health: health)
                }),
            Route(
                "GET", "/api/models/available", summary: "Models with at least one available deployment",
                access: .catalog, tag: "catalog",
                handler: .sync { request in
                    let query = try parseQuery(request.query, forcedStatus: .available)
                    return modelList(try service().catalog, query: query, health: health)
                }),
            Route(
                "GET", "/api/models/{id...}", summary: "One model (ids contain '/')", access: .catalog, tag: "catalog",
                parameters: [.init("id", in: .path, required: true, "model id, e.g. meta/llama-3.1-8b-instruct")],
                handler: .sync { request in
                    let id = request.path("id")
                    guard let model = try service().catalog.model(id: id) else {
                        throw APIError.notFound("no model with id '\(id.prefix(200))'")
                    }
                    return .json(bytes: CatalogJSON.model(model, health: health).encoded())
                }),
            Route(
                "GET", "/api/publishers", summary: "Publishers with total and available model counts", access: .catalog,
                tag: "catalog",
                handler: .sync { _ in
                    .json(bytes: CatalogJSON.publishers(try service().catalog, health: health).encoded())
                }),
            Route(
                "GET", "/api/providers",
                summary: "Configured providers: type, base URL, model count, discovery status (never the key)",
                access: .authenticated, tag: "catalog",
                handler: .sync { _ in
                    .json(bytes: CatalogJSON.providers(try service().providerStatuses()).encoded())
                }),
            Route(
                "GET", "/v1/models", summary: "OpenAI-compatible model list", access: .catalog, tag: "openai",
                handler: .sync { _ in
                    .json(bytes: CatalogJSON.openAIModels(try service().catalog).encoded())
                }),
        ]
    }

    /// The filters of `/api/models`, validated (an unknown capability or status is a 400 naming the
    /// allowed values).
    package static func parseQuery(_ query: QueryParameters, forcedStatus: CatalogQuery.StatusFilter?) throws
        -> CatalogQuery
    {
        var result = CatalogQuery()
        if let capability = try query.oneOf("capability", Capability.allCases.map(\.rawValue)) {
            result.capability = Capability(rawValue: capability)
        }
        result.publisher = try query.string("publisher", maxLength: maximumFilterLength)
        result.search = try query.string("search", maxLength: maximumFilterLength)
        if let status = try query.oneOf("status", CatalogQuery.StatusFilter.allowedValues) {
            result.status = CatalogQuery.StatusFilter(status)
        }
        if let forcedStatus { result.status = forcedStatus }
        return result
    }

    static func modelList(_ catalog: Catalog, query: CatalogQuery, health: any DeploymentHealthSource)
        -> HTTPResponse
    {
        var models: [JSONValue] = []
        for model in catalog.models {
            let healths = model.health(from: health)
            guard query.matches(model, status: healths.model.status) else { continue }
            models.append(CatalogJSON.model(model, healths: healths))
        }
        let body: JSONValue = .object([("models", .array(models)), ("count", .int(models.count))])
        return .json(bytes: body.encoded())
    }
}

/// The catalog's response shapes (SPEC "Response shapes"), with explicit nulls for values not known yet.
enum CatalogJSON {
    /// One `Model`; model-level status, state, latency and last check are its best deployment's.
    static func model(_ model: CatalogModel, health: any DeploymentHealthSource) -> JSONValue {
        self.model(model, healths: model.health(from: health))
    }

    static func model(_ model: CatalogModel, healths: (model: DeploymentHealth, deployments: [DeploymentHealth]))
        -> JSONValue
    {
        let deployments: [JSONValue] = zip(model.deployments, healths.deployments).map { deployment, health in
            .object([
                ("provider", .string(deployment.providerID)), ("upstream_id", .string(deployment.upstreamID)),
                ("status", .string(health.status.rawValue)), ("state", .string(health.state.rawValue)),
                ("latency_ms", int(health.latencyMs)), ("ttft_ms", int(health.ttftMs)),
                ("last_checked", time(health.lastChecked)),
                ("input_cost_per_mtok", number(deployment.inputCostPerMTok)),
                ("output_cost_per_mtok", number(deployment.outputCostPerMTok)),
                ("context_length", int(deployment.contextLength)),
                ("capabilities", .array(deployment.capabilities.map { .string($0.rawValue) })),
                ("simulated", .bool(deployment.simulated)), ("probe_enabled", .bool(deployment.probeEnabled)),
            ])
        }
        return .object([
            ("id", .string(model.id)), ("name", .string(model.name)), ("publisher", .string(model.publisher)),
            ("capabilities", .array(model.capabilities.map { .string($0.rawValue) })),
            ("status", .string(healths.model.status.rawValue)), ("state", .string(healths.model.state.rawValue)),
            ("simulated", .bool(model.simulated)), ("latency_ms", int(healths.model.latencyMs)),
            ("last_checked", time(healths.model.lastChecked)), ("context_length", int(model.contextLength)),
            ("deployments", .array(deployments)),
        ])
    }

    /// `{"publishers": [{"publisher", "models", "available"}]}`, sorted by publisher.
    static func publishers(_ catalog: Catalog, health: any DeploymentHealthSource) -> JSONValue {
        var available: [String: Int] = [:]
        for model in catalog.models where model.health(from: health).model.status.isAvailable {
            available[model.publisher, default: 0] += 1
        }
        let rows: [JSONValue] = catalog.publishers.map { publisher in
            .object([
                ("publisher", .string(publisher.name)), ("models", .int(publisher.modelCount)),
                ("available", .int(available[publisher.name] ?? 0)),
            ])
        }
        return .object([("publishers", .array(rows))])
    }

    /// `{"providers": [...]}`: configuration and discovery status, never the API key.
    static func providers(_ statuses: [ProviderStatus]) -> JSONValue {
        let rows: [JSONValue] = statuses.map { status in
            .object([
                ("id", .string(status.id)), ("type", .string(status.type.rawValue)),
                ("base_url", status.baseURL.map { .string($0) } ?? .null), ("models", .int(status.modelCount)),
                ("simulated", .bool(status.simulated)), ("discover", .bool(status.discover)),
                (
                    "discovery",
                    .object([
                        ("last_attempt_at", time(status.lastAttemptAt)),
                        ("last_success_at", time(status.lastSuccessAt)),
                        ("last_error", status.lastError.map { .string($0) } ?? .null),
                        ("last_error_at", time(status.lastErrorAt)),
                        ("consecutive_failures", .int(status.consecutiveFailures)),
                    ])
                ),
            ])
        }
        return .object([("providers", .array(rows))])
    }

    /// OpenAI's list shape: `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`.
    /// `created` is when the catalog snapshot was built (listings carry no creation time).
    static func openAIModels(_ catalog: Catalog) -> JSONValue {
        let created = Int(catalog.updatedAt.timeIntervalSince1970)
        let data: [JSONValue] = catalog.models.map { model in
            .object([
                ("id", .string(model.id)), ("object", "model"), ("created", .int(created)),
                ("owned_by", .string(model.publisher)),
            ])
        }
        return .object([("object", "list"), ("data", .array(data))])
    }

    static func int(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
    static func number(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    /// RFC 3339 UTC, as `JSONCoding` writes dates.
    static func time(_ date: Date?) -> JSONValue {
        date.map { .string($0.formatted(.iso8601)) } ?? .null
    }
}
