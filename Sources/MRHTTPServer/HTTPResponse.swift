/// What a handler answers: a status, headers, and either bytes or a stream.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    /// A response body: the whole thing at once, or produced over time (SSE, proxied streams).
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(HTTPStreamBody)
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, bytes: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }
}

/// A body written over time by `produce`, which the server runs in its own task.
///
/// The task is cancelled when the client goes away or the server shuts down; `produce` should then
/// end its stream promptly (it may still write a last event, e.g. an SSE `error`).
public struct HTTPStreamBody: Sendable {
    /// Bytes written when nothing else was written for `interval` (an SSE comment, say). Besides keeping
    /// proxies from timing the stream out, the write is how a suspended connection finds its client gone.
    public struct Heartbeat: Sendable {
        public var interval: Duration
        public var bytes: [UInt8]
        public init(interval: Duration, bytes: [UInt8]) {
            self.interval = interval
            self.bytes = bytes
        }
    }

    public var heartbeat: Heartbeat?
    public var produce: @Sendable (HTTPBodyWriter) async throws -> Void

    public init(heartbeat: Heartbeat? = nil, produce: @escaping @Sendable (HTTPBodyWriter) async throws -> Void) {
        self.heartbeat = heartbeat
        self.produce = produce
    }
}

/// Writes to a streamed response. Writes wait (back-pressure) when the client reads slower than we write.
public struct HTTPBodyWriter: Sendable {
    let stream: ResponseStream

    /// Queues `bytes` for the client; throws `HTTPServerError.clientGone` once the client has left.
    public func write(_ bytes: [UInt8]) async throws {
        try await stream.write(bytes)
    }

    /// Queues the UTF-8 bytes of `text`.
    public func write(_ text: String) async throws {
        try await stream.write(Array(text.utf8))
    }

    /// True once the client has gone or the stream was ended.
    public var isClosed: Bool { stream.isClosed }
}

/// What a handler returns: a response now, or work whose response comes later.
///
/// Deferred work runs in a task while the connection is suspended, so a libmicrohttpd thread never waits.
public enum HTTPHandlerResult: Sendable {
    case response(HTTPResponse)
    case deferred(@Sendable () async -> HTTPResponse)
    /// Deferred work that runs on the server's ``EventLoop`` (the HTTP client's thread) when it has one, and so
    /// does the body of a stream it answers with: a proxied request then never changes threads. The work must
    /// only wait on I/O, never block. Without a loop this is `.deferred`.
    case deferredOnLoop(@Sendable () async -> HTTPResponse)

    /// The response, running deferred work in the calling task (for callers outside the server, such as tests).
    public func response() async -> HTTPResponse {
        switch self {
        case .response(let response): response
        case .deferred(let work), .deferredOnLoop(let work): await work()
        }
    }
}

/// The application side of the server.
public protocol HTTPHandler: Sendable {
    /// Handles a complete request. Runs on a libmicrohttpd thread: must not block; defer anything slow.
    func handle(_ request: HTTPRequest) -> HTTPHandlerResult

    /// The response to send when the server itself refuses a request (body too large, shutting down).
    /// `request` carries the head only.
    func serverError(_ error: HTTPServerError, request: HTTPRequest) -> HTTPResponse

    /// Called once per request when libmicrohttpd is done with it (for metrics). Must be cheap.
    func requestCompleted(_ request: HTTPRequest, status: Int, duration: Duration)
}

extension HTTPHandler {
    public func requestCompleted(_ request: HTTPRequest, status: Int, duration: Duration) {}
}
