internal import CMicroHTTPD
import Logging
import MRCommon
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
        /// Per-connection memory for the request head and buffers; also bounds the request head (the default,
        /// 8 KiB, takes heads up to ~7.5 KB, like Node's old 8 KB limit; larger ones get 431). Every open connection
        /// holds it whole: 5,000 streams cost 40 MB more at 16 KiB.
        public var connectionMemoryLimit: Int
        public var listenBacklog: Int

        public init(
            host: String = "127.0.0.1", port: UInt16 = 0, maxBodyBytes: Int = 1_048_576, threads: Int = 2,
            connectionLimit: Int = 10_000, connectionTimeoutSeconds: Int = 120, connectionMemoryLimit: Int = 8 * 1024,
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

    /// One per event loop (each a daemon on the shared listening socket), or one running libmicrohttpd's own threads.
    let cores: [ServerCore]
    /// The listening socket the loops' daemons share (nil on MHD's own threads, where the daemon binds its own).
    private let listenSocket: Int32?
    /// The bound port (the real one when configured with 0).
    public let port: UInt16

    /// Binds and starts serving at once.
    ///
    /// - Parameter loops: run one daemon on each of these event loops instead of libmicrohttpd's own threads, all on
    ///   one listening socket (each loop accepts its share of the connections), each running the
    ///   `.deferredOnLoop` handlers and the streams of its own connections. The loops must outlive `shutdown`.
    public init(
        configuration: Configuration, handler: any HTTPHandler, logger: Logger, loops: [any EventLoop] = []
    ) throws(HTTPServerError) {
        guard !loops.isEmpty else {
            let core = ServerCore(configuration: configuration, handler: handler, logger: logger, loop: nil)
            self.port = try core.start()
            self.cores = [core]
            self.listenSocket = nil
            return
        }
        // One socket for all daemons, bound without SO_REUSEPORT: a second process (or server) asking for the same
        // port fails instead of silently sharing it, and port 0 can never hand out a port someone else listens on.
        let socket = mr_listen_socket(configuration.host, configuration.port, Int32(configuration.listenBacklog))
        guard socket >= 0 else {
            if errno == EINVAL {
                throw .invalidListenAddress(host: configuration.host)
            }
            let reason = String(cString: strerror(errno))
            throw .bindFailed("cannot listen on \(configuration.host):\(configuration.port): \(reason)")
        }
        var cores: [ServerCore] = []
        for loop in loops {
            let core = ServerCore(configuration: configuration, handler: handler, logger: logger, loop: loop)
            do {
                _ = try core.start(listenSocket: socket)
            } catch {
                // The daemons already running stop in the background (on their loops, where their calls belong); the
                // socket is closed once, after them.
                let started = cores
                if started.isEmpty {
                    close(socket)
                } else {
                    Task {
                        for core in started { await core.shutdown(gracePeriod: .zero) }
                        close(socket)
                    }
                }
                throw error
            }
            cores.append(core)
        }
        self.cores = cores
        self.listenSocket = socket
        self.port = mr_socket_port(socket)
    }

    /// Number of requests being answered or streamed right now.
    public var activeRequests: Int { cores.reduce(0) { $0 + $1.activeCount } }

    /// Stops accepting connections, asks open streams to end, waits up to `gracePeriod` for in-flight
    /// work, then closes whatever is left and stops the daemons. Idempotent.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        await withTaskGroup(of: Void.self) { group in
            for core in cores {
                group.addTask { await core.shutdown(gracePeriod: gracePeriod) }
            }
        }
        if let listenSocket, closedSocket.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        {
            close(listenSocket)
        }
    }

    /// The shared socket is closed once, by the first shutdown to finish.
    private let closedSocket = Atomic<Bool>(false)
}
