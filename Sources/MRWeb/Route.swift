import MRHTTPServer

/// One endpoint: what it matches, who may call it, how it is documented, and its handler.
///
/// The route table is the single source for dispatch, `/api/openapi.json` and `/api/bot/spec`, so the
/// documents cannot drift from what is served.
public struct Route: Sendable {
    public enum Handler: Sendable {
        /// Answers on the libmicrohttpd thread: only for in-memory work.
        case sync(@Sendable (RouteRequest) throws -> HTTPResponse)
        /// Runs in a task while the connection is suspended.
        case async(@Sendable (RouteRequest) async throws -> HTTPResponse)
        /// Like `async`, on the server's event loop (the HTTP client's thread), for handlers that proxy an upstream
        /// call: received, forwarded and answered without a thread hand-off. Must only wait on I/O, never block.
        case asyncOnLoop(@Sendable (RouteRequest) async throws -> HTTPResponse)
        /// Declared in the SPEC, not built yet: answers 501 NOT_IMPLEMENTED.
        case notImplemented
    }

    /// A documented parameter.
    public struct Parameter: Sendable {
        public enum Location: String, Sendable { case query, path }
        public var name: String
        public var location: Location
        /// A JSON-schema type name: `string`, `integer`, `number`, `boolean`.
        public var type: String
        public var required: Bool
        public var description: String

        public init(
            _ name: String, in location: Location = .query, type: String = "string", required: Bool = false,
            _ description: String
        ) {
            self.name = name
            self.location = location
            self.type = type
            self.required = required
            self.description = description
        }
    }

    public var method: String
    public var pattern: PathPattern
    public var summary: String
    public var access: Access
    public var tag: String
    public var parameters: [Parameter]
    /// A short description of the JSON request body, when there is one.
    public var requestBody: String?
    /// `application/json` or `text/event-stream`.
    public var produces: String
    public var handler: Handler

    public init(
        _ method: String, _ path: String, summary: String, access: Access, tag: String,
        parameters: [Parameter] = [], requestBody: String? = nil, produces: String = "application/json",
        handler: Handler
    ) {
        self.method = method
        self.pattern = PathPattern(path)
        self.summary = summary
        self.access = access
        self.tag = tag
        self.parameters = parameters
        self.requestBody = requestBody
        self.produces = produces
        self.handler = handler
    }

    /// Whether the feature behind the route exists yet.
    public var isImplemented: Bool {
        if case .notImplemented = handler { false } else { true }
    }

    /// `/v1/…` routes answer errors in OpenAI's shape.
    public var errorStyle: ErrorStyle { Router.errorStyle(forPath: pattern.description) }
}

/// A matched request: the HTTP request, its path parameters and its caller.
public struct RouteRequest: Sendable {
    public let http: HTTPRequest
    public let pathParameters: [String: String]
    /// nil on public routes called without credentials.
    public let principal: Principal?

    public init(http: HTTPRequest, pathParameters: [String: String] = [:], principal: Principal? = nil) {
        self.http = http
        self.pathParameters = pathParameters
        self.principal = principal
    }

    /// A path parameter the pattern guarantees.
    public func path(_ name: String) -> String { pathParameters[name] ?? "" }

    /// Typed, validated access to the query string.
    public var query: QueryParameters { QueryParameters(http.query) }
}
