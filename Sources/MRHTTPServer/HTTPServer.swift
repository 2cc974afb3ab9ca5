internal import CMicroHTTPD
import Logging
import MRCommon
import Synchronization

/// An HTTP/1.1 server over libmicrohttpd: keep-alive, bounded request bodies, handlers that answer at
/// once or later (the connection is suspended meanwhile), and streamed responses with back-pressure.
///
/// It knows nothing about the application: a `HTTPHandler` does the routing.
public final class HTTPServer: Sendable {
    /// How the server listens and what it tolerates.
    public struct Configuration: Sendable {
        /// An IPv4 or IPv6 address (not a name), e.g. `127.0.0.1`, `0.0.0.0`, `::1`.
        public var host: String
        /// 0 picks a free port; read it back from `port`.
        public var port: UInt16
        public var maxBodyBytes: Int
        /// libmicrohttpd worker threads (each an epoll loop); unused when the server runs on an event loop.
        public var threads: Int
        public var connectionLimit: Int
        /// Idle connections are closed after this; streams keep alive with heartbeats.
        public var connectionTimeoutSeconds: Int
        /// Per-connection memory for the request head and buffers; also the largest accepted header block.
        public var connectionMemoryLimit: Int
        public var listenBacklog: Int

        public init(
            host: String = "127.0.0.1", port: UInt16 = 0, maxBodyBytes: Int = 1_048_576, threads: Int = 2,
            connectionLimit: Int = 10_000, connectionTimeoutSeconds: Int = 120, connectionMemoryLimit: Int = 16 * 1024,
            listenBacklog: Int = 1024
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.threads = threads
            self.connectionLimit = connectionLimit
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.connectionMemoryLimit = connectionMemoryLimit
            self.listenBacklog = listenBacklog
        }
    }

    let core: ServerCore
    /// The bound port (the real one when configured with 0).
    public let port: UInt16

    /// Binds and starts serving at once.
    ///
    /// - Parameter loop: run the daemon on this event loop instead of libmicrohttpd's own threads, together with
    ///   the `.deferredOnLoop` handlers and their streams. The loop must outlive the server's `shutdown`.
    public init(
        configuration: Configuration, handler: any HTTPHandler, logger: Logger, loop: (any EventLoop)? = nil
    ) throws(HTTPServerError) {
        let core = ServerCore(configuration: configuration, handler: handler, logger: logger, loop: loop)
        self.core = core
        self.port = try core.start()
    }

    /// Number of requests being answered or streamed right now.
    public var activeRequests: Int { core.activeCount }

    /// Stops accepting connections, asks open streams to end, waits up to `gracePeriod` for in-flight
    /// work, then closes whatever is left and stops the daemon. Idempotent.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        await core.shutdown(gracePeriod: gracePeriod)
    }
}
