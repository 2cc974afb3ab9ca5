import Logging
import MRCommon
import Synchronization

/// The outbound HTTP client: every provider call, probe and webhook goes through one of these.
///
/// Driver threads (one by default, one per core for a gateway) each run a libcurl multi handle (one `epoll_wait` for
/// all its sockets, `curl_multi_socket_action` for the ready ones, `info_read`) for their share of the client's
/// transfers: a call made on a driver's thread stays on it,
/// others are spread round-robin; `execute` hands it a request through a locked queue and suspends until the response head
/// is in. Connections are kept and reused per host. Call ``shutdown()`` when done (deinit does it too).
public final class HTTPClient: Sendable {
    /// Connection limits, buffering, and identification.
    public struct Configuration: Sendable {
        /// Most simultaneous connections to one host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 is unlimited. Requests
        /// beyond it wait for a free connection.
        public var maxConnectionsPerHost: Int
        /// Most simultaneous connections overall (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); 0 is unlimited.
        public var maxTotalConnections: Int
        /// Most idle connections kept open for reuse (on top of the busy ones: `CURLMOPT_MAXCONNECTS` follows the
        /// transfer count); also the easy-handle pool size.
        public var maxIdleConnections: Int
        /// Body bytes buffered for a lagging consumer before the transfer is paused.
        public var bodyBufferHighWaterMark: Int
        /// libcurl's receive buffer per transfer (`CURLOPT_BUFFERSIZE`, 1 KiB to 512 KiB): the largest piece one
        /// write callback gets. Every concurrent transfer holds one, so thousands of idle streams pay for it;
        /// curl's 16 KiB default only pays off for large bodies on fast links (a 4 KiB buffer costs a 1 MB body
        /// 256 callbacks instead of 64, about 0.1 ms).
        public var receiveBufferSize: Int
        /// Let libcurl trace every transfer to standard error.
        public var verbose: Bool
        /// The `User-Agent` sent with every request (a request header of that name overrides it).
        public var userAgent: String

        /// Defaults fit for a gateway: many parallel streams to a few hosts.
        public init(
            maxConnectionsPerHost: Int = 256, maxTotalConnections: Int = 1024, maxIdleConnections: Int = 64,
            bodyBufferHighWaterMark: Int = 1 << 20, verbose: Bool = false,
            userAgent: String = HTTPClient.defaultUserAgent, receiveBufferSize: Int = 4 * 1024
        ) {
            self.receiveBufferSize = receiveBufferSize
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.maxIdleConnections = maxIdleConnections
            self.bodyBufferHighWaterMark = bodyBufferHighWaterMark
            self.verbose = verbose
            self.userAgent = userAgent
        }
    }

    /// `modelrouter/<version>`.
    public static let defaultUserAgent = "modelrouter/\(version)"
    /// The version this client reports in its default `User-Agent`.
    public static let version = "0.1.0"

    private let drivers: [Driver]
    private let nextDriver = Atomic<Int>(0)
    private let configuration: Configuration

    /// Starts the driver threads.
    ///
    /// - Parameter loops: how many driver threads; the connection limits of `configuration` apply to each.
    public init(
        configuration: Configuration = .init(), logger: Logger = Logger(label: "modelrouter.http-client"),
        loops: Int = 1
    ) {
        self.configuration = configuration
        self.drivers = (0..<max(1, loops)).map { _ in Driver(configuration: configuration, logger: logger) }
    }

    deinit {
        for driver in drivers { driver.shutdown() }
    }

    /// The driver threads as event loops: an HTTP server can run on them, and tasks that prefer one as their
    /// executor run their jobs on it, so a request proxied through this client needs no thread hand-off. Jobs
    /// arriving after ``shutdown()`` run on the global executor.
    public var eventLoops: [any EventLoop] { drivers }

    /// The caller's own driver when it runs on one (its transfer then never leaves the thread), else the next one.
    private func pickDriver() -> Driver {
        if drivers.count == 1 { return drivers[0] }
        if let current = drivers.first(where: \.isCurrent) { return current }
        let index = nextDriver.wrappingAdd(1, ordering: .relaxed).oldValue
        return drivers[Int(UInt(bitPattern: index) % UInt(drivers.count))]
    }

    /// Sends `request` and returns once the status line and headers are in; the body streams afterwards.
    ///
    /// HTTP error statuses are returned, not thrown. Throws ``HTTPClientError`` for transport failures and
    /// timeouts, `.cancelled` when the calling task is cancelled (the transfer is aborted at once), and `.shutdown`
    /// once ``shutdown()`` was called.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        try Self.validate(request)
        let transfer = Transfer(
            request: request, driver: pickDriver(), highWaterMark: configuration.bodyBufferHighWaterMark)
        let head = try await transfer.run().get()
        let length = head.headers.first("Content-Length").flatMap { Int($0) }
        return HTTPClientResponse(
            status: head.status, headers: head.headers,
            body: HTTPClientResponseBody(transfer: transfer, expectedLength: request.method == "HEAD" ? nil : length))
    }

    /// Aborts every pending and in-flight transfer (their callers and body consumers get `.shutdown`), then
    /// joins the driver threads. Idempotent (a call racing the first one may return before the join); later calls
    /// to ``execute(_:)`` throw `.shutdown`. Blocks only for the driver's current loop turn.
    public func shutdown() {
        for driver in drivers { driver.shutdown() }
    }

    private static func validate(_ request: HTTPClientRequest) throws(HTTPClientError) {
        let lowered = request.url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw .invalidRequest.with(message: "not an http(s) URL: \(request.url)")
        }
        guard request.url.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw .invalidRequest.with(message: "the URL contains spaces or control characters")
        }
        guard HTTPToken.isToken(request.method) else {
            throw .invalidRequest.with(message: "invalid method \(request.method)")
        }
        for (name, value) in request.headers {
            guard HTTPToken.isToken(name) else {
                throw .invalidRequest.with(message: "invalid header name \(name)")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidRequest.with(message: "the value of header \(name) contains a line break")
            }
        }
    }
}
