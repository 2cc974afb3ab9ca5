import MRCommon
import MRHTTPServer
import MRWeb

/// `/api/bot/spec` and `/api/openapi.json`, generated from the route table itself so they cannot drift
/// from what the server answers. Both are built once at start-up and served as fixed bytes.
struct DiscoveryDocuments {
    let routes: [Route]

    /// The two discovery routes, described here so each document lists itself too.
    static let selfRoutes: [Route] = [
        Route(
            "GET", "/api/bot/spec", summary: "Machine-readable discovery: endpoints, auth, error codes, quickstart",
            access: .public, tag: "discovery", handler: .notImplemented),
        Route(
            "GET", "/api/openapi.json", summary: "OpenAPI 3.1 description of this API", access: .public,
            tag: "discovery", handler: .notImplemented),
    ]

    func servingRoutes() -> [Route] {
        let botSpec = HTTPResponse.json(bytes: botSpecDocument().encoded())
        let openAPI = HTTPResponse.json(bytes: openAPIDocument().encoded())
        return Self.selfRoutes.map { route in
            var route = route
            let response = route.pattern.description == "/api/bot/spec" ? botSpec : openAPI
            route.handler = .sync { _ in response }
            return route
        }
    }

    private var documented: [Route] {
        routes.sorted { ($0.pattern.description, $0.method) < ($1.pattern.description, $1.method) }
    }

    // MARK: Bot spec

    func botSpecDocument() -> JSONValue {
        let endpoints: [JSONValue] = documented.map { route in
            var fields: [(String, JSONValue)] = [
                ("method", .string(route.method)), ("path", .string(route.pattern.description)),
                ("summary", .string(route.summary)), ("auth", .string(route.access.rawValue)),
                ("implemented", .bool(route.isImplemented)), ("produces", .array(route.produces.map(JSONValue.string))),
            ]
            if !route.parameters.isEmpty {
                fields.append(
                    (
                        "parameters",
                        .array(
                            route.parameters.map {
                                [
                                    "name": .string($0.name), "in": .string($0.location.rawValue),
                                    "type": .string($0.type), "required": .bool($0.required),
                                    "description": .string($0.description), "schema": $0.schema,
                                ]
                            })
                    ))
            }
            if let body = route.requestBody { fields.append(("request_body", .string(body))) }
            if let schema = route.requestSchema { fields.append(("request_schema", schema)) }
            return .object(fields)
        }
        return [
            "name": "ModelRouter",
            "version": .string(ModelRouterVersion.current),
            "description":
                "Self-hosted, monitoring-first LLM gateway: model catalog, scheduled probes, availability, and an availability-aware router with an OpenAI-compatible /v1 API.",
            "auth": [
                "methods": [
                    ["type": "header", "name": "X-API-Key", "format": "ar_…"],
                    ["type": "bearer", "name": "Authorization", "format": "Bearer ar_… or Bearer <session token>"],
                ],
                "public_routes": .array(
                    documented.filter { $0.access == .public }.map { .string($0.pattern.description) }),
                "notes":
                    "Routes with auth 'catalog' are public when the operator sets server.public_catalog; 'admin' needs the admin key or an admin API key. With both headers, X-API-Key is used and the Bearer token ignored.",
            ],
            "errors": [
                "shape": ["detail": "human readable", "error_code": "CODE"],
                "openai_shape_on": "/v1/*",
                "openai_shape": ["error": ["message": "…", "type": "…", "code": "CODE"]],
                "codes": .array(
                    APIError.catalog.map {
                        ["code": .string($0.code), "status": .int($0.status), "meaning": .string($0.meaning)]
                    }),
            ],
            "endpoints": .array(endpoints),
            "quickstart": [
                "1. Get an API key from the operator (modelrouter keys create NAME) or POST /api/keys with the admin key.",
                "2. List models: GET /api/models with header X-API-Key: ar_…",
                "3. Chat: POST /api/chat {\"model\": \"auto\", \"message\": \"Hello\"}, or use any OpenAI SDK with base_url http://HOST/v1.",
                "4. Watch availability: GET /api/availability; stream a probe run: GET /api/probe/stream.",
            ],
        ]
    }

    // MARK: OpenAPI 3.1

    func openAPIDocument() -> JSONValue {
        var paths: [(String, JSONValue)] = []
        var index: [String: Int] = [:]
        for route in documented {
            // OpenAPI path templates have no multi-segment form: `{id...}` becomes `{id}` and the
            // parameter says that it may contain '/'.
            let template = route.pattern.description.replacing("...}", with: "}")
            let operation = openAPIOperation(route)
            if let at = index[template], case .object(var operations) = paths[at].1 {
                operations.append((route.method.lowercased(), operation))
                paths[at].1 = .object(operations)
            } else {
                index[template] = paths.count
                paths.append((template, .object([(route.method.lowercased(), operation)])))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "ModelRouter API", "version": .string(ModelRouterVersion.current),
                "description": "Every error is {\"detail\", \"error_code\"}; /v1 routes use OpenAI's error shape.",
            ],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                    "bearer": ["type": "http", "scheme": "bearer"],
                ],
                "schemas": [
                    "Error": [
                        "type": "object", "required": ["detail", "error_code"],
                        "properties": [
                            "detail": ["type": "string"],
                            "error_code": [
                                "type": "string", "enum": .array(APIError.catalog.map { .string($0.code) }),
                            ],
                        ],
                    ],
                    "OpenAIError": [
                        "type": "object", "required": ["error"],
                        "properties": [
                            "error": [
                                "type": "object",
                                "properties": [
                                    "message": ["type": "string"], "type": ["type": "string"],
                                    "code": ["type": "string"],
                                ],
                            ]
                        ],
                    ],
                ],
            ],
        ]
    }

    private func openAPIOperation(_ route: Route) -> JSONValue {
        let errorSchema: JSONValue =
            route.errorStyle == .openAI
            ? ["$ref": "#/components/schemas/OpenAIError"] : ["$ref": "#/components/schemas/Error"]
        let errorContent: JSONValue = ["application/json": ["schema": errorSchema]]
        // An event stream's events are described in the SPEC (and the bot spec), not by a schema of the body.
        let successContent: [(String, JSONValue)] = route.produces.map { type in
            switch type {
            case "application/json": (type, ["schema": ["type": "object"]])
            case "text/event-stream": (type, [:])
            default: (type, ["schema": ["type": "string"]])
            }
        }
        var responses: [(String, JSONValue)] = [
            (String(route.successStatus), ["description": "success", "content": .object(successContent)]),
            ("400", ["description": "VALIDATION_ERROR", "content": errorContent]),
        ]
        if route.access != .public {
            responses.append(("401", ["description": "AUTH_REQUIRED or AUTH_INVALID", "content": errorContent]))
        }
        if route.access == .admin {
            responses.append(("403", ["description": "FORBIDDEN", "content": errorContent]))
        }
        if route.requestBody != nil {
            responses.append(("413", ["description": "PAYLOAD_TOO_LARGE", "content": errorContent]))
        }
        if !route.pattern.parameterNames.isEmpty {
            responses.append(("404", ["description": "NOT_FOUND", "content": errorContent]))
        }
        if !route.isImplemented {
            responses.append(
                ("501", ["description": "NOT_IMPLEMENTED: declared, not built yet", "content": errorContent]))
        }
        responses.append(("default", ["description": "error", "content": errorContent]))
        var operation: [(String, JSONValue)] = [
            ("summary", .string(route.summary)),
            ("operationId", .string(operationID(route))),
            ("tags", [.string(route.tag)]),
        ]
        if !route.parameters.isEmpty {
            operation.append(
                (
                    "parameters",
                    .array(
                        route.parameters.map { parameter in
                            var description = parameter.description
                            if route.pattern.description.contains("{\(parameter.name)...}") {
                                description += " (may contain '/')"
                            }
                            return [
                                "name": .string(parameter.name), "in": .string(parameter.location.rawValue),
                                "required": .bool(parameter.location == .path || parameter.required),
                                "description": .string(description), "schema": parameter.schema,
                            ]
                        })
                ))
        }
        if let body = route.requestBody {
            operation.append(
                (
                    "requestBody",
                    [
                        "required": true, "description": .string(body),
                        "content": ["application/json": ["schema": route.requestSchema ?? ["type": "object"]]],
                    ]
                ))
        }
        operation.append(("responses", .object(responses)))
        if route.access != .public {
            operation.append(("security", [["apiKey": []], ["bearer": []]]))
        }
        return .object(operation)
    }

    private func operationID(_ route: Route) -> String {
        let words = route.pattern.description.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return route.method.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
