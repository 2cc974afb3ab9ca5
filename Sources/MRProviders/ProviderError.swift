/// A failed provider call, classified the way the SPEC's probe statuses and routing need it.
public struct ProviderError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// 401/403: the key is wrong or lacks access. Permanent.
        case authError = "auth_error"
        /// 404 or the model is gone. Permanent.
        case notFound = "not_found"
        /// 429; `retryAfter` holds upstream's `Retry-After` when it sent one.
        case rateLimited = "rate_limited"
        /// Our own limits: connect, first token, idle or total.
        case timeout
        /// 5xx, refused, reset, cut mid-stream, unparseable body.
        case error
        /// The operation is not offered by this provider (e.g. embeddings on Anthropic).
        case unsupported
        /// The caller cancelled.
        case cancelled
    }

    public let kind: Kind
    /// Human-readable, never containing credentials.
    public let message: String
    /// The upstream HTTP status, when there was one.
    public let httpStatus: Int?
    public let retryAfter: Duration?

    public init(kind: Kind, message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.kind = kind
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    /// The probe status this failure counts as (`auth_error`, `not_found`, `rate_limited`, `timeout`, `error`).
    public var probeStatus: String {
        switch kind {
        case .authError, .notFound, .rateLimited, .timeout, .error: kind.rawValue
        case .unsupported, .cancelled: "error"
        }
    }

    /// Failures that will not heal by retrying (SPEC: they take a deployment down at once).
    public var isPermanent: Bool { kind == .authError || kind == .notFound }

    public var description: String {
        httpStatus.map { "\(kind.rawValue) (HTTP \($0)): \(message)" } ?? "\(kind.rawValue): \(message)"
    }

    public static func invalidResponse(_ detail: String, httpStatus: Int? = nil) -> ProviderError {
        ProviderError(kind: .error, message: "invalid response: \(detail)", httpStatus: httpStatus)
    }
    public static func timeout(_ detail: String) -> ProviderError { ProviderError(kind: .timeout, message: detail) }
    public static let cancelled = ProviderError(kind: .cancelled, message: "cancelled")
    public static func unsupported(_ detail: String) -> ProviderError {
        ProviderError(kind: .unsupported, message: detail)
    }
}
