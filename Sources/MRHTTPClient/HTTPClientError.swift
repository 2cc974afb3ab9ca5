/// Why an outbound HTTP call failed.
///
/// HTTP statuses are never errors: a 4xx or 5xx answer is an ordinary ``HTTPClientResponse``. This type covers
/// everything below HTTP (connecting, timing out, a cut or malformed stream) plus the caller's own decisions
/// (cancellation, a body over its limit).
///
/// Two errors compare equal when they are of the same kind (``name``); the libcurl code and message are details
/// for logs, so `error == .idleTimeout` is the way to test for a kind.
public struct HTTPClientError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: String, Hashable, Sendable {
        case connectTimeout = "connect_timeout"
        case firstByteTimeout = "first_byte_timeout"
        case idleTimeout = "idle_timeout"
        case totalTimeout = "total_timeout"
        case cancelled
        case shutdown
        case connectionFailed = "connection_failed"
        case connectionClosed = "connection_closed"
        case invalidResponse = "invalid_response"
        case bodyTooLarge = "body_too_large"
        case invalidRequest = "invalid_request"
        case transport
    }

    private let code: Code
    /// libcurl's `CURLcode` for this failure, when libcurl reported one.
    public let curlCode: Int?
    /// A human-readable detail: libcurl's `CURLOPT_ERRORBUFFER` text, or our own explanation.
    public let message: String

    private init(_ code: Code, curlCode: Int? = nil, message: String = "") {
        self.code = code
        self.curlCode = curlCode
        self.message = message
    }

    /// A short, stable, associated-value-free name fit for a metric label, e.g. `idle_timeout`.
    public var name: String { code.rawValue }

    /// The kind and, when there is one, the detail message and libcurl code.
    public var description: String {
        var text = "HTTPClientError.\(code.rawValue)"
        if !message.isEmpty { text += ": \(message)" }
        if let curlCode { text += " (curl code \(curlCode))" }
        return text
    }

    /// True for the four timeout kinds.
    public var isTimeout: Bool {
        switch code {
        case .connectTimeout, .firstByteTimeout, .idleTimeout, .totalTimeout: true
        default: false
        }
    }

    public static func == (lhs: HTTPClientError, rhs: HTTPClientError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// No TCP (or TLS) connection within the connect timeout.
    public static let connectTimeout = HTTPClientError(.connectTimeout)
    /// Connected, but the response head did not arrive within the first-byte timeout.
    public static let firstByteTimeout = HTTPClientError(.firstByteTimeout)
    /// The server went silent for longer than the idle timeout between two received chunks.
    public static let idleTimeout = HTTPClientError(.idleTimeout)
    /// The whole exchange, body included, took longer than the total timeout.
    public static let totalTimeout = HTTPClientError(.totalTimeout)
    /// The caller cancelled the task, or dropped the response body before its end.
    public static let cancelled = HTTPClientError(.cancelled)
    /// The client was shut down while the request was pending or in flight.
    public static let shutdown = HTTPClientError(.shutdown)
    /// Could not connect: refused, unreachable, or the host name did not resolve.
    public static let connectionFailed = HTTPClientError(.connectionFailed)
    /// The connection broke or was closed before the response was complete.
    public static let connectionClosed = HTTPClientError(.connectionClosed)
    /// The server answered with something that is not valid HTTP.
    public static let invalidResponse = HTTPClientError(.invalidResponse)
    /// The body is larger than the limit the caller gave to `collect(upTo:)`.
    public static let bodyTooLarge = HTTPClientError(.bodyTooLarge)
    /// The request itself cannot be sent (bad URL, scheme or method).
    public static let invalidRequest = HTTPClientError(.invalidRequest)
    /// Any other transport failure (TLS, proxy, out of memory, …).
    public static let transport = HTTPClientError(.transport)

    /// The same kind with a detail message (and optionally a libcurl code) attached.
    package func with(message: String, curlCode: Int? = nil) -> HTTPClientError {
        HTTPClientError(code, curlCode: curlCode ?? self.curlCode, message: message)
    }
}
