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

    /// A documented parameter. Its constraints go into the OpenAPI document's schema; the handler enforces them,
    /// and CI's schemathesis run checks that what the schema admits is accepted.
    public struct Parameter: Sendable {
        public enum Location: String, Sendable { case query, path }
        public var name: String
        public var location: Location
        /// A JSON-schema type name: `string`, `integer`, `number`, `boolean`.
        public var type: String
        public var required: Bool
        public var description: String
        /// The values a string parameter may take, when they are a fixed set.
        public var allowed: [String]
        /// The values an `integer` or `number` parameter may take.
        public var range: ClosedRange<Double>?
        /// The most characters a string may have. Handlers count bytes: for ASCII ids the same number, for any
        /// text fewer characters (the declaration says how it got its number).
        public var maxLength: Int?
        /// A regular expression every accepted value matches.
        public var pattern: String?

        public init(
            _ name: String, in location: Location = .query, type: String = "string", required: Bool = false,
            _ description: String, allowed: [String] = [], range: ClosedRange<Double>? = nil, maxLength: Int? = nil,
            pattern: String? = nil
        ) {
            self.name = name
            self.location = location
            self.type = type
            self.required = required
            self.description = description
            self.allowed = allowed
            self.range = range
            self.maxLength = maxLength
            self.pattern = pattern
        }

        /// The JSON schema of the value.
        public var schema: JSONValue {
            var fields: [(String, JSONValue)] = [("type", .string(type))]
            if !allowed.isEmpty { fields.append(("enum", .array(allowed.map(JSONValue.string)))) }
            if let range {
                fields.append(("minimum", type == "integer" ? .int(Int(range.lowerBound)) : .double(range.lowerBound)))
                fields.append(("maximum", type == "integer" ? .int(Int(range.upperBound)) : .double(range.upperBound)))
            }
            // An empty value means "not given" to the handlers, so a required one has at least one character.
            if type == "string", allowed.isEmpty, required || location == .path { fields.append(("minLength", 1)) }
            if let maxLength { fields.append(("maxLength", .int(maxLength))) }
            if let pattern { fields.append(("pattern", .string(pattern))) }
            return .object(fields)
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
    /// The JSON schema of the request body: every body it admits passes the handler's validation, so clients and
    /// the fuzzer can build valid ones; what it names may still be refused (an unknown model 404, a model without
    /// the capability 400, a busy one 429 or 503). nil: any JSON object.
    public var requestSchema: JSONValue?
    /// The media types of a success, the usual one first: `application/json`, `text/event-stream`, or both for
    /// a route whose body asks for a stream or not.
    public var produces: [String]
    /// The status of a success (201 for a route that creates something).
    public var successStatus: Int
    public var handler: Handler

    public init(
        _ method: String, _ path: String, summary: String, access: Access, tag: String,
        parameters: [Parameter] = [], requestBody: String? = nil, requestSchema: JSONValue? = nil,
        produces: [String] = ["application/json"], successStatus: Int = 200, handler: Handler
    ) {
        self.method = method
        self.pattern = PathPattern(path)
        self.summary = summary
        self.access = access
        self.tag = tag
        self.parameters = parameters
        self.requestBody = requestBody
        self.requestSchema = requestSchema
        self.produces = produces
        self.successStatus = successStatus
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
