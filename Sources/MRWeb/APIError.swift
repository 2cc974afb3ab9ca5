import MRHTTPServer

/// An error that knows how it is answered over HTTP. Handlers throw these; the router renders them,
/// so no handler builds error JSON by hand.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// The SPEC's `error_code` (`VALIDATION_ERROR`, `NOT_FOUND`, …).
    var errorCode: String { get }
    var detail: String { get }
    /// Extra headers (`Allow`, `Retry-After`).
    var headers: HTTPHeaders { get }
}

/// The SPEC's error vocabulary.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: Int
    public let errorCode: String
    public let detail: String
    public let headers: HTTPHeaders

    public init(status: Int, errorCode: String, detail: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.errorCode = errorCode
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "\(status) \(errorCode): \(detail)" }

    public static func authRequired(_ detail: String = "credentials required: send X-API-Key or Authorization: Bearer")
        -> Self
    { .init(status: 401, errorCode: "AUTH_REQUIRED", detail: detail, headers: ["WWW-Authenticate": "Bearer"]) }
    public static func authInvalid(_ detail: String = "the API key or token is invalid, revoked or expired") -> Self {
        .init(status: 401, errorCode: "AUTH_INVALID", detail: detail, headers: ["WWW-Authenticate": "Bearer"])
    }
    public static func emailNotVerified(_ detail: String = "verify your email address first") -> Self {
        .init(status: 403, errorCode: "EMAIL_NOT_VERIFIED", detail: detail)
    }
    public static func forbidden(_ detail: String = "this needs an admin key") -> Self {
        .init(status: 403, errorCode: "FORBIDDEN", detail: detail)
    }
    /// `retryAfterSeconds` goes into `Retry-After`.
    public static func rateLimited(_ detail: String, retryAfterSeconds: Int) -> Self {
        .init(
            status: 429, errorCode: "RATE_LIMITED", detail: detail,
            headers: ["Retry-After": String(max(1, retryAfterSeconds))])
    }
    /// 503 `NOT_READY`: a part this request needs is not running (yet) on this server; retry after 5 s.
    public static func notReady(_ detail: String) -> Self {
        .init(status: 503, errorCode: "NOT_READY", detail: detail, headers: ["Retry-After": "5"])
    }
    public static func notFound(_ detail: String) -> Self { .init(status: 404, errorCode: "NOT_FOUND", detail: detail) }
    public static func validation(_ detail: String) -> Self {
        .init(status: 400, errorCode: "VALIDATION_ERROR", detail: detail)
    }
    public static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> Self {
        .init(
            status: 405, errorCode: "METHOD_NOT_ALLOWED",
            detail: "\(method) is not allowed on \(path); use \(allowed.joined(separator: ", "))",
            headers: ["Allow": allowed.joined(separator: ", ")])
    }
    public static func conflict(_ detail: String) -> Self { .init(status: 409, errorCode: "CONFLICT", detail: detail) }
    public static func payloadTooLarge(limit: Int) -> Self {
        .init(status: 413, errorCode: "PAYLOAD_TOO_LARGE", detail: "request body is larger than \(limit) bytes")
    }
    public static func noModelAvailable(_ detail: String) -> Self {
        .init(status: 503, errorCode: "NO_MODEL_AVAILABLE", detail: detail)
    }
    public static func upstreamError(_ detail: String) -> Self {
        .init(status: 502, errorCode: "UPSTREAM_ERROR", detail: detail)
    }
    public static func upstreamTimeout(_ detail: String) -> Self {
        .init(status: 504, errorCode: "UPSTREAM_TIMEOUT", detail: detail)
    }
    public static func `internal`(requestID: String) -> Self {
        .init(status: 500, errorCode: "INTERNAL", detail: "internal error; request id \(requestID)")
    }
    public static func notImplemented(_ feature: String) -> Self {
        .init(status: 501, errorCode: "NOT_IMPLEMENTED", detail: "\(feature) is declared but not built yet")
    }
    public static let shuttingDown = Self(
        status: 503, errorCode: "SHUTTING_DOWN", detail: "the server is shutting down; retry shortly",
        headers: ["Retry-After": "1", "Connection": "close"])

    /// Every code the API can answer, with its status and meaning (for `/api/bot/spec` and OpenAPI).
    public static let catalog: [(code: String, status: Int, meaning: String)] = [
        ("AUTH_REQUIRED", 401, "no credentials"),
        ("AUTH_INVALID", 401, "bad, revoked or expired key/token"),
        ("EMAIL_NOT_VERIFIED", 403, "account exists, email not verified"),
        ("FORBIDDEN", 403, "authenticated but not allowed (e.g. not admin)"),
        ("RATE_LIMITED", 429, "key or provider limit hit; Retry-After header set"),
        ("NOT_FOUND", 404, "unknown route, model, report, key"),
        ("VALIDATION_ERROR", 400, "bad JSON, missing/invalid field, out-of-range value"),
        ("METHOD_NOT_ALLOWED", 405, "known path, wrong method (Allow header set)"),
        ("CONFLICT", 409, "e.g. a batch probe is already running"),
        ("PAYLOAD_TOO_LARGE", 413, "body over max_body_bytes"),
        ("NO_MODEL_AVAILABLE", 503, "routing found no available deployment"),
        ("UPSTREAM_ERROR", 502, "the chosen model failed and no fallback succeeded"),
        ("UPSTREAM_TIMEOUT", 504, "likewise, by timeout"),
        ("INTERNAL", 500, "a bug; logged with a request id"),
        ("NOT_IMPLEMENTED", 501, "a declared endpoint whose feature is not built yet"),
        ("SHUTTING_DOWN", 503, "the server is stopping; Retry-After set"),
    ]
}

/// Which error body a route speaks.
public enum ErrorStyle: Sendable {
    /// `{"detail": "…", "error_code": "CODE"}`
    case spec
    /// OpenAI's `{"error": {"message", "type", "code"}}`, so OpenAI SDKs raise the right exceptions.
    case openAI
}

extension HTTPResponseError {
    /// The error as a response in the given style.
    public func response(style: ErrorStyle) -> HTTPResponse {
        var body = JSONWriter()
        switch style {
        case .spec:
            body.object { object in
                object.field("detail", detail)
                object.field("error_code", errorCode)
            }
        case .openAI:
            body.object { object in
                object.objectField("error") { error in
                    error.field("message", detail)
                    error.field("type", openAIType)
                    error.field("param", nil as String?)
                    error.field("code", errorCode)
                }
            }
        }
        var response = HTTPResponse(status: status, contentType: "application/json", bytes: body.bytes)
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }

    /// OpenAI's error `type` for this status.
    var openAIType: String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }
}
