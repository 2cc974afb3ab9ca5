/// Why a routed call produced no answer, in the SPEC's vocabulary (the API maps each kind to its
/// `error_code` and status).
public struct RoutingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// No model, alias or upstream id of that name: 404 `NOT_FOUND`.
        case notFound
        /// The request cannot be served as asked (e.g. a chat with an embedding model): 400 `VALIDATION_ERROR`.
        case validation
        /// Routing found nothing to call: 503 `NO_MODEL_AVAILABLE`.
        case noModelAvailable
        /// Every candidate is rate limited: 429 `RATE_LIMITED` with `retryAfter`.
        case rateLimited
        /// The chosen deployments failed and no fallback succeeded: 502 `UPSTREAM_ERROR`.
        case upstreamError
        /// Likewise, the last failure being a timeout: 504 `UPSTREAM_TIMEOUT`.
        case upstreamTimeout
        /// The client went away.
        case cancelled
    }

    public let kind: Kind
    /// Human readable; names each failed attempt, never a credential.
    public let detail: String
    /// For `rateLimited`: when to try again.
    public let retryAfter: Duration?
    /// Calls made before giving up.
    public let attempts: Int

    public init(kind: Kind, detail: String, retryAfter: Duration? = nil, attempts: Int = 0) {
        self.kind = kind
        self.detail = detail
        self.retryAfter = retryAfter
        self.attempts = attempts
    }

    public var description: String { "\(kind.rawValue): \(detail)" }

    /// The SPEC's `error_code` for this kind.
    public var errorCode: String {
        switch kind {
        case .notFound: "NOT_FOUND"
        case .validation: "VALIDATION_ERROR"
        case .noModelAvailable: "NO_MODEL_AVAILABLE"
        case .rateLimited: "RATE_LIMITED"
        case .upstreamError: "UPSTREAM_ERROR"
        case .upstreamTimeout: "UPSTREAM_TIMEOUT"
        // Never sent (the client is gone); it labels the request in the usage records.
        case .cancelled: "CANCELLED"
        }
    }

    /// The HTTP status for this kind.
    public var status: Int {
        switch kind {
        case .notFound: 404
        case .validation: 400
        case .noModelAvailable: 503
        case .rateLimited: 429
        case .upstreamError, .cancelled: 502
        case .upstreamTimeout: 504
        }
    }

    /// `Retry-After` in whole seconds (at least 1), when there is one.
    public var retryAfterSeconds: Int? {
        retryAfter.map { duration in
            let (seconds, attoseconds) = duration.components
            return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        }
    }

    static let cancelled = RoutingError(kind: .cancelled, detail: "the client went away")
}
