/// Failures of the server layer itself.
public struct HTTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case bindFailed
        case invalidListenAddress
        case payloadTooLarge
        case clientGone
        case shuttingDown
    }

    private let code: Code
    /// Human-readable detail.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// libmicrohttpd could not start (port in use, no permission, …).
    public static func bindFailed(_ detail: String) -> Self { .init(.bindFailed, detail) }
    /// The host is not an IPv4 or IPv6 address.
    /// `host` is not an IPv4 or IPv6 literal.
    public static func invalidListenAddress(host: String) -> Self {
        .init(.invalidListenAddress, "'\(host)' is not an IPv4 or IPv6 address")
    }
    /// The request body passed the configured limit.
    public static func payloadTooLarge(limit: Int) -> Self {
        .init(.payloadTooLarge, "request body is larger than \(limit) bytes")
    }
    /// The client closed its connection while a streamed response was being written.
    public static let clientGone = Self(.clientGone, "the client closed the connection")
    /// The server is stopping and takes no new work.
    public static let shuttingDown = Self(.shuttingDown, "the server is shutting down")

    /// A short name fit for a metric label.
    public var name: String {
        switch code {
        case .bindFailed: "bind_failed"
        case .invalidListenAddress: "invalid_listen_address"
        case .payloadTooLarge: "payload_too_large"
        case .clientGone: "client_gone"
        case .shuttingDown: "shutting_down"
        }
    }

    public var description: String { "\(name): \(detail)" }
}
