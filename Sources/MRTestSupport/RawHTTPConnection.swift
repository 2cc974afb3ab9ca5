import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client for tests, driven off the cooperative pool so it can never starve the server's
/// own tasks. It speaks just enough HTTP/1.1 to read responses (Content-Length, chunked, or to close)
/// and lets tests misbehave on purpose: garbage bytes, huge headers, slow reads, abrupt disconnects.
public final class RawHTTPConnection: @unchecked Sendable {
    // @unchecked: `fd` is set once; reads and writes are serialised by the test that owns the connection;
    // `pending` is touched only by the read helpers, which a test calls one at a time.
    public let fd: Int32
    private var pending: [UInt8] = []
    /// A serial queue per connection: serial queues are "overcommit" in libdispatch, so each blocking
    /// read gets a thread of its own instead of waiting for one of the CPU-bound pool's two.
    private let queue = DispatchQueue(label: "raw-http-connection")

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public init(port: UInt16, host: String = "127.0.0.1") throws {
        // The socket lives in a local until connected: a class whose stored properties are all set runs its
        // deinit even when init throws, and closing the descriptor there as well would close a number the
        // process may already have reused (another test's server socket, say).
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(socketFD)
            throw Failure("connect to \(port): errno \(error)")
        }
        fd = socketFD
    }

    deinit { Glibc.close(fd) }

    /// Closes the socket now (an abrupt client disconnect).
    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) async throws {
        try await blocking { [fd] in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { throw Failure("send failed: errno \(errno)") }
                offset += written
            }
        }
    }

    /// Reads whatever arrives next (at least one byte), or [] when the peer closed.
    public func readSome(timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        return try await blocking { [fd] in try Self.receive(fd: fd, timeout: timeout) }
    }

    private static func receive(fd: Int32, timeout: Duration) throws -> [UInt8] {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&poller, 1, millis)
        if ready == 0 { throw Failure("timed out after \(timeout) waiting for data") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { return [] }
            throw Failure("recv failed: errno \(errno)")
        }
        return Array(buffer[0..<count])
    }

    /// Reads until `marker` has arrived; returns everything read so far (including the marker).
    public func read(until marker: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var collected: [UInt8] = []
        let needle = Array(marker.utf8)
        while !collected.contains(needle) {
            let left = deadline - .now
            guard left > .zero else { throw Failure("timed out waiting for \(marker.debugDescription)") }
            let chunk = try await readSome(timeout: left)
            if chunk.isEmpty { throw Failure("connection closed before \(marker.debugDescription)") }
            collected += chunk
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// True when the peer closes the connection within `timeout` (reads and drops any data meanwhile).
    public func waitForClose(timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let chunk = try await readSome(timeout: deadline - .now)
            if chunk.isEmpty { return true }
        }
        return false
    }

    /// Reads one complete response.
    public func readResponse(timeout: Duration = .seconds(10)) async throws -> RawHTTPResponse {
        let deadline = ContinuousClock.now + timeout
        var buffer = pending
        pending = []
        func more() async throws -> Bool {
            let left = deadline - .now
            guard left > .zero else { throw Failure("timed out reading a response") }
            let chunk = try await blocking { [fd] in try Self.receive(fd: fd, timeout: left) }
            buffer += chunk
            return !chunk.isEmpty
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: separator)?.upperBound
            if headEnd == nil, !(try await more()) { throw Failure("closed before a full response head") }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure("bad status line") }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        let response = RawHTTPResponse(status: status, headers: headers, body: [])
        var rest = Array(buffer[headEnd!...])
        if let length = response.header("Content-Length").flatMap(Int.init) {
            while rest.count < length {
                buffer = rest
                if !(try await more()) { throw Failure("closed before the body ended") }
                rest = buffer
            }
            pending = Array(rest[length...])
            return RawHTTPResponse(status: status, headers: headers, body: Array(rest[0..<length]))
        }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while true {
                while rest.firstRange(of: [13, 10]) == nil {
                    buffer = rest
                    if !(try await more()) { throw Failure("closed inside a chunk header") }
                    rest = buffer
                }
                let lineEnd = rest.firstRange(of: [13, 10])!
                let sizeText = String(decoding: rest[0..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw Failure("bad chunk") }
                rest = Array(rest[lineEnd.upperBound...])
                while rest.count < size + 2 {
                    buffer = rest
                    if !(try await more()) { throw Failure("closed inside a chunk") }
                    rest = buffer
                }
                body += rest[0..<size]
                rest = Array(rest[(size + 2)...])
                if size == 0 { break }
            }
            pending = rest
            return RawHTTPResponse(status: status, headers: headers, body: body)
        }
        if status == 204 || status == 304 { return response }
        buffer = rest
        while try await more() {}
        return RawHTTPResponse(status: status, headers: headers, body: buffer)
    }

    /// Sends a request and reads its response on this (kept-alive) connection.
    public func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> RawHTTPResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try await send(Array(text.utf8) + body)
        return try await readResponse(timeout: timeout)
    }
}

/// A response read by `RawHTTPConnection`.
public struct RawHTTPResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// One request on a fresh connection.
public func httpRequest(
    port: UInt16, _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
    timeout: Duration = .seconds(10)
) async throws -> RawHTTPResponse {
    let connection = try RawHTTPConnection(port: port)
    defer { connection.close() }
    return try await connection.request(method, path, headers: headers, body: body, timeout: timeout)
}
