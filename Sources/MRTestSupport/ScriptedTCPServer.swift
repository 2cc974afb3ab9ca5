import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real TCP server on 127.0.0.1 (port chosen by the kernel) whose every accepted connection runs a script.
///
/// The script runs synchronously on a thread of its own with blocking POSIX I/O, so it can do what a misbehaving
/// upstream does: answer properly, drip a chunked body with delays, stall, cut a body short, reset, or send
/// garbage (see ``ScriptedConnection``). The server counts connections, records requests, and lets a test
/// *await* a condition (``waitUntil(timeout:_:)`` and friends, or ``events()``) instead of sleeping.
///
/// ``stop()`` unblocks every script (pauses and stalls return, blocked reads and writes fail), closes the
/// listener, and never waits on a script. Call it when the test ends; `deinit` calls it too.
public final class ScriptedTCPServer: Sendable {
    /// What happened on the server, in order.
    public enum Event: Sendable, Hashable {
        /// A connection was accepted; ids count from 0 in accept order.
        case accepted(connection: Int)
        /// A full request was read (its index in ``Snapshot/requests``).
        case request(connection: Int, index: Int)
        /// The server saw the client close or reset the connection.
        case peerClosed(connection: Int)
        /// The script finished and the server closed its side.
        case closed(connection: Int)
        /// The script threw something other than the client going away.
        case scriptFailed(connection: Int, message: String)
    }

    /// The server's counters and records at one moment.
    public struct Snapshot: Sendable {
        /// Connections accepted so far.
        public var acceptedConnections = 0
        /// Connections whose script ended and which the server closed.
        public var closedConnections = 0
        /// Ids of connections the client closed or reset, as the server observed.
        public var peerClosedConnections: Set<Int> = []
        /// Every request read, in order.
        public var requests: [ScriptedRequest] = []
        /// Every event, in order.
        public var events: [Event] = []
        /// Messages of scripts that failed unexpectedly.
        public var scriptFailures: [String] {
            events.compactMap { if case .scriptFailed(_, let message) = $0 { message } else { nil } }
        }
    }

    /// The port the server listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    let core: Core

    /// Starts listening and accepting; `script` runs once per accepted connection, on that connection's thread.
    public init(script: @escaping @Sendable (ScriptedConnection) throws -> Void) throws {
        let (fd, port) = try POSIXSocket.bindLoopback()
        guard listen(fd, 512) == 0 else {
            let error = errno
            close(fd)
            throw ScriptedTCPServerError.system("listen", error)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let error = errno
            close(fd)
            throw ScriptedTCPServerError.system("pipe", error)
        }
        self.port = port
        self.core = Core(listenFD: fd, stopReadFD: pipeFDs[0], stopWriteFD: pipeFDs[1])
        let core = self.core
        let thread = POSIXThread.start { core.acceptLoop(script: script) }
        core.state.withLock { $0.acceptThread = thread }
    }

    /// A server answering every request on every connection (keep-alive) with `respond`'s response.
    public static func answering(
        _ respond: @escaping @Sendable (ScriptedRequest) -> ScriptedResponse
    ) throws -> ScriptedTCPServer {
        try ScriptedTCPServer { connection in
            while let request = try connection.readRequestIfAny() {
                try connection.write(respond(request))
            }
        }
    }

    deinit {
        stop()
    }

    /// The current counters and records.
    public var snapshot: Snapshot { core.state.withLock { $0.snapshot } }
    /// Connections accepted so far.
    public var acceptedConnections: Int { snapshot.acceptedConnections }
    /// Every request read so far.
    public var requests: [ScriptedRequest] { snapshot.requests }

    /// Closes the listener, wakes every script (pauses and stalls end, blocked I/O fails) and returns without
    /// waiting for scripts. Idempotent.
    public func stop() {
        core.stop()
    }

    /// Every event so far, then each new one as it happens; finishes when the server stops.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        core.subscribe(continuation)
        return stream
    }

    /// Suspends until `condition` holds for the server's snapshot; throws `.timedOut` after `timeout`.
    public func waitUntil(
        timeout: Duration = .seconds(5), _ condition: @escaping @Sendable (Snapshot) -> Bool
    ) async throws(ScriptedTCPServerError) {
        guard await core.wait(for: condition, timeout: timeout) else { throw .timedOut }
    }

    /// Suspends until the server saw `count` connections closed by the client.
    public func waitForPeerClose(count: Int = 1, timeout: Duration = .seconds(5)) async throws(ScriptedTCPServerError) {
        try await waitUntil(timeout: timeout) { $0.peerClosedConnections.count >= count }
    }

    /// Suspends until `count` connections ended on the server side.
    public func waitForConnectionsClosed(count: Int = 1, timeout: Duration = .seconds(5))
        async throws(ScriptedTCPServerError)
    {
        try await waitUntil(timeout: timeout) { $0.closedConnections >= count }
    }

    /// Suspends until `count` requests were read.
    public func waitForRequests(count: Int = 1, timeout: Duration = .seconds(5)) async throws(ScriptedTCPServerError) {
        try await waitUntil(timeout: timeout) { $0.requests.count >= count }
    }

    /// A port on 127.0.0.1 with nothing listening: connecting to it is refused.
    ///
    /// Port 1 when it refuses (it is privileged and never handed out for port 0, so no test server running in
    /// parallel can take it over, as it could a just-freed ephemeral port); otherwise a port that was just free.
    public static func closedPort() throws(ScriptedTCPServerError) -> Int {
        if refusesConnections(port: 1) { return 1 }
        let (fd, port) = try POSIXSocket.bindLoopback()
        close(fd)
        return port
    }

    /// Whether a TCP connect to 127.0.0.1:`port` is refused at once.
    static func refusesConnections(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result != 0 && errno == ECONNREFUSED
    }
}

/// One canned HTTP/1.1 response for ``ScriptedTCPServer/answering(_:)``.
public struct ScriptedResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// A response; `Content-Length` is added when writing.
    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a UTF-8 text body.
    public init(status: Int = 200, headers: [(String, String)] = [], body: String) {
        self.init(status: status, headers: headers, body: Array(body.utf8))
    }
}

/// A failure in the scripted server or a script step.
public struct ScriptedTCPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: String, Hashable, Sendable {
        case timedOut = "timed_out"
        case peerClosed = "peer_closed"
        case stopped
        case malformedRequest = "malformed_request"
        case system
    }

    private let code: Code
    /// Detail, e.g. the failing call and `errno`.
    public let message: String

    private init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public var description: String { message.isEmpty ? code.rawValue : "\(code.rawValue): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A wait did not see its condition in time.
    public static let timedOut = ScriptedTCPServerError(.timedOut)
    /// The client closed or reset the connection.
    public static let peerClosed = ScriptedTCPServerError(.peerClosed)
    /// The server is stopping.
    public static let stopped = ScriptedTCPServerError(.stopped)
    /// The bytes read are not an HTTP/1.1 request this server understands.
    static func malformedRequest(_ message: String) -> Self { Self(.malformedRequest, message) }
    /// A socket call failed.
    static func system(_ call: String, _ error: Int32) -> Self {
        Self(.system, "\(call): \(String(cString: strerror(error))) (errno \(error))")
    }
}
