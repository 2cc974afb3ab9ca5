/// A complete HTTP request as the server hands it to a handler: head, query and the whole body.
public struct HTTPRequest: Sendable {
    /// Upper-case method, as sent (`GET`, `POST`, …).
    public var method: String
    /// The percent-decoded path without the query string.
    public var path: String
    /// Query parameters in the order sent, already percent-decoded.
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's `X-Request-Id` when it is sane, else one made up by the server; echoed in the response.
    public var id: String
    /// The peer's IP address as text (empty when unknown).
    public var remoteAddress: String
    /// When the server saw the request head.
    public var receivedAt: ContinuousClock.Instant

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [], headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], id: String = "test", remoteAddress: String = "",
        receivedAt: ContinuousClock.Instant = .now
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.id = id
        self.remoteAddress = remoteAddress
        self.receivedAt = receivedAt
    }

    /// The first value of the query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
