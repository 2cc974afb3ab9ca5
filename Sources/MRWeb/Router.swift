import Logging
import MRHTTPServer

/// Dispatches requests to routes: 404 for unknown paths, 405 (with `Allow`) for known paths with the
/// wrong method, the auth gate, and one place where every thrown error becomes the SPEC's error body.
public struct Router: HTTPHandler {
    public let routes: [Route]
    /// Fixed paths (no parameters) by path: one dictionary lookup for most requests.
    private let exact: [String: [CompiledRoute]]
    /// Patterns with parameters, most literal segments first; a rest parameter only after fixed-length ones.
    private let parameterized: [CompiledRoute]
    private let authenticator: any Authenticator
    private let logger: Logger
    private let observer: (@Sendable (HTTPRequest, Int, Duration) -> Void)?
    private let requestObserver: (@Sendable (String, Int, Duration) -> Void)?

    /// The route label ``init(routes:authenticator:logger:observer:requestObserver:)``'s `requestObserver` gets
    /// for requests that matched no route (404, 405): raw paths never become labels.
    public static let unmatchedRouteLabel = "unmatched"

    /// What dispatch needs of a route, held by reference so a lookup copies one pointer, not the route's
    /// strings, arrays and closures.
    final class CompiledRoute: Sendable {
        let route: Route
        /// The pattern as text, made once for the request observer.
        let label: String
        init(_ route: Route) {
            self.route = route
            self.label = route.pattern.description
        }
    }

    /// - Parameters:
    ///   - observer: told of each completed request (after the last byte); must be cheap.
    ///   - requestObserver: told of each answered request as its response head goes out (a stream counts when
    ///     it starts): the matched route pattern (or ``unmatchedRouteLabel``), the status, and the time since
    ///     the request head arrived. Called on libmicrohttpd threads and in handler tasks: must be cheap.
    public init(
        routes: [Route], authenticator: any Authenticator, logger: Logger,
        observer: (@Sendable (HTTPRequest, Int, Duration) -> Void)? = nil,
        requestObserver: (@Sendable (String, Int, Duration) -> Void)? = nil
    ) {
        self.routes = routes
        var exact: [String: [CompiledRoute]] = [:]
        var parameterized: [CompiledRoute] = []
        for route in routes {
            if route.pattern.parameterNames.isEmpty {
                exact[route.pattern.normalized, default: []].append(CompiledRoute(route))
            } else {
                parameterized.append(CompiledRoute(route))
            }
        }
        self.exact = exact
        self.parameterized = parameterized.sorted { a, b in
            let (sa, sb) = (a.route.pattern.specificity, b.route.pattern.specificity)
            if sa.hasRest != sb.hasRest { return !sa.hasRest }
            return sa.literals > sb.literals
        }
        self.authenticator = authenticator
        self.logger = logger
        self.observer = observer
        self.requestObserver = requestObserver
    }

    static func errorStyle(forPath path: String) -> ErrorStyle {
        path == "/v1" || path.hasPrefix("/v1/") ? .openAI : .spec
    }

    /// The route and parameters for a method and path, or the error to answer.
    public func resolve(method: String, path: String) -> Result<(Route, [String: String]), APIError> {
        resolveCompiled(method: method, path: path).map { ($0.0.route, $0.1) }
    }

    private func resolveCompiled(method: String, path: String) -> Result<(CompiledRoute, [String: String]), APIError> {
        let lookupMethod = method == "HEAD" ? "GET" : method
        var allowed: [String] = []
        let key = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path  // tolerate a trailing slash
        if let candidates = exact[key] {
            for candidate in candidates {
                if candidate.route.method == lookupMethod { return .success((candidate, [:])) }
                allowed.append(candidate.route.method)
            }
        }
        let segments = Array(key.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
        for candidate in parameterized {
            guard let parameters = candidate.route.pattern.match(segments) else { continue }
            if candidate.route.method == lookupMethod { return .success((candidate, parameters)) }
            if !allowed.contains(candidate.route.method) { allowed.append(candidate.route.method) }
        }
        if allowed.isEmpty { return .failure(.notFound("no route for \(path)")) }
        return .failure(.methodNotAllowed(method, path: path, allowed: allowed))
    }

    public func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        let style = Router.errorStyle(forPath: request.path)
        let compiled: CompiledRoute
        let parameters: [String: String]
        switch resolveCompiled(method: request.method, path: request.path) {
        case .success(let match): (compiled, parameters) = match
        case .failure(let error):
            return .response(observed(error.response(style: style), Self.unmatchedRouteLabel, request))
        }
        let label = compiled.label
        let access = compiled.route.access
        let authorization: Authorization
        do {
            authorization = try authorize(request, access: access)
        } catch {
            return .response(observed(render(error, request: request, style: style), label, request))
        }
        guard case .decided(let principal) = authorization else {
            // A credential not in the authenticator's memory: its storage check must not hold up this thread. The
            // check only suspends the task, so a route that runs on the event loop still does.
            let lookUp: @Sendable () async -> HTTPResponse = {
                let principal: Principal?
                do {
                    principal = try await authorizeLookingUp(request, access: access)
                } catch {
                    return observed(render(error, request: request, style: style), label, request)
                }
                let routeRequest = RouteRequest(http: request, pathParameters: parameters, principal: principal)
                return await dispatch(compiled, routeRequest, style: style).response()
            }
            if case .asyncOnLoop = compiled.route.handler { return .deferredOnLoop(lookUp) }
            return .deferred(lookUp)
        }
        return dispatch(
            compiled, RouteRequest(http: request, pathParameters: parameters, principal: principal), style: style)
    }

    /// Runs the route's handler for an authorized request: its response now, or the work that makes it.
    private func dispatch(_ compiled: CompiledRoute, _ request: RouteRequest, style: ErrorStyle)
        -> HTTPHandlerResult
    {
        let label = compiled.label
        switch compiled.route.handler {
        case .notImplemented:
            let feature = "\(compiled.route.method) \(compiled.route.pattern)"
            return .response(observed(APIError.notImplemented(feature).response(style: style), label, request.http))
        case .sync(let body):
            do {
                return .response(observed(try body(request), label, request.http))
            } catch {
                return .response(observed(render(error, request: request.http, style: style), label, request.http))
            }
        case .async(let body):
            return .deferred { await answer(body, request, label: label, style: style) }
        case .asyncOnLoop(let body):
            return .deferredOnLoop { await answer(body, request, label: label, style: style) }
        }
    }

    /// Runs a deferred route handler: its response, or its error rendered, told to the request observer.
    private func answer(
        _ body: @Sendable (RouteRequest) async throws -> HTTPResponse, _ request: RouteRequest, label: String,
        style: ErrorStyle
    ) async -> HTTPResponse {
        do {
            return observed(try await body(request), label, request.http)
        } catch {
            return observed(render(error, request: request.http, style: style), label, request.http)
        }
    }

    /// Tells the request observer about `response` (one nil check when there is none) and passes it on.
    @inline(__always)
    private func observed(_ response: HTTPResponse, _ label: String, _ request: HTTPRequest) -> HTTPResponse {
        if let requestObserver { requestObserver(label, response.status, .now - request.receivedAt) }
        return response
    }

    /// The caller as far as memory tells, or `.pending` when the authenticator must look the credential up.
    private enum Authorization {
        case decided(Principal?)
        case pending
    }

    private func authorize(_ request: HTTPRequest, access: Access) throws -> Authorization {
        switch access {
        case .public:
            return .decided(nil)
        case .catalog where authenticator.publicCatalog:
            // An open catalog ignores a bad credential; a good one still names the caller.
            switch try? authenticator.authenticate(request) {
            case .known(let principal): return .decided(principal)
            case .lookUp: return .pending
            case nil: return .decided(nil)
            }
        case .catalog, .authenticated, .admin:
            switch try authenticator.authenticate(request) {
            case .known(let principal): return .decided(try admit(principal, to: access))
            case .lookUp: return .pending
            }
        }
    }

    /// `authorize`'s second step, in a task: the authenticator's storage check.
    private func authorizeLookingUp(_ request: HTTPRequest, access: Access) async throws -> Principal? {
        if access == .catalog && authenticator.publicCatalog { return try? await authenticator.lookUp(request) }
        return try admit(try await authenticator.lookUp(request), to: access)
    }

    private func admit(_ principal: Principal?, to access: Access) throws -> Principal {
        guard let principal else { throw APIError.authRequired() }
        if access == .admin && !principal.isAdmin { throw APIError.forbidden() }
        return principal
    }

    /// Every error leaves through here: known ones with their status, the rest as a logged 500.
    public func render(_ error: any Error, request: HTTPRequest, style: ErrorStyle) -> HTTPResponse {
        if let error = error as? any HTTPResponseError {
            return error.response(style: style)
        }
        if let error = error as? JSONBodyError {
            return APIError.validation(error.detail).response(style: style)
        }
        logger.error(
            "unhandled error on \(request.method) \(request.path): \(error)",
            metadata: ["request_id": "\(request.id)"])
        return APIError.internal(requestID: request.id).response(style: style)
    }

    public func serverError(_ error: HTTPServerError, request: HTTPRequest) -> HTTPResponse {
        let style = Router.errorStyle(forPath: request.path)
        let response: HTTPResponse
        if error == .shuttingDown {
            response = APIError.shuttingDown.response(style: style)
        } else if error.name == "payload_too_large" {
            response = APIError(status: 413, errorCode: "PAYLOAD_TOO_LARGE", detail: error.detail).response(
                style: style)
        } else {
            response = APIError.internal(requestID: request.id).response(style: style)
        }
        guard requestObserver != nil else { return response }
        // Rare (oversized bodies, shutdown): finding the route again is affordable here.
        let label =
            switch resolveCompiled(method: request.method, path: request.path) {
            case .success(let match): match.0.label
            case .failure: Self.unmatchedRouteLabel
            }
        return observed(response, label, request)
    }

    public func requestCompleted(_ request: HTTPRequest, status: Int, duration: Duration) {
        observer?(request, status, duration)
    }
}
