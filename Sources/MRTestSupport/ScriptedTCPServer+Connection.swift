#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP/1.1 request as the scripted server read it off the wire.
public struct ScriptedRequest: Sendable {
    /// The connection it came on (0-based, in accept order).
    public let connectionID: Int
    public let method: String
    /// The request target as sent, e.g. `/v1/chat?x=1`.
    public let target: String
    public let version: String
    /// Header fields in order, names as sent.
    public let headers: [(String, String)]
    public let body: [UInt8]

    /// The first value of header `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One accepted connection, handed to the script on its own thread. Every step blocks that thread only; every
/// wait ends when the server stops. Steps throw ``ScriptedTCPServerError/peerClosed`` when the client is gone.
/// When the script returns, the server closes the connection (orderly FIN).
public final class ScriptedConnection {
    /// 0-based, in accept order.
    public let id: Int
    private let fd: Int32
    private let core: ScriptedTCPServer.Core
    private var buffer: [UInt8] = []
    var stopDescriptor: Int32 { core.stopReadFD }

    init(id: Int, fd: Int32, core: ScriptedTCPServer.Core) {
        self.id = id
        self.fd = fd
        self.core = core
    }

    // MARK: Reading

    /// Reads one request (head and `Content-Length` body) and records it; throws `.peerClosed` at end of stream.
    public func readRequest() throws(ScriptedTCPServerError) -> ScriptedRequest {
        guard let request = try readRequestIfAny() else { throw .peerClosed }
        return request
    }

    /// Like ``readRequest()``, but `nil` when the client closed the connection cleanly between requests.
    public func readRequestIfAny() throws(ScriptedTCPServerError) -> ScriptedRequest? {
        var headEnd: Int?
        while true {
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headEnd != nil { break }
            guard buffer.count < 1 << 20 else { throw .malformedRequest("request head over 1 MiB") }
            guard try fill() else {
                if buffer.isEmpty { return nil }
                throw .peerClosed
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3 else { throw .malformedRequest("bad request line") }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            var value = line[line.index(after: colon)...]
            while value.first == " " || value.first == "\t" { value.removeFirst() }
            while value.last == " " || value.last == "\t" { value.removeLast() }
            return (String(line[..<colon]), String(value))
        }
        var length = 0
        if let value = headers.first(where: { $0.0.lowercased() == "content-length" })?.1 {
            guard let parsed = Int(value), parsed >= 0 else { throw .malformedRequest("bad Content-Length") }
            length = parsed
        }
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" }) {
            throw .malformedRequest("chunked request bodies are not supported")
        }
        while buffer.count < length {
            guard try fill() else { throw .peerClosed }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        let request = ScriptedRequest(
            connectionID: id, method: String(requestLine[0]), target: String(requestLine[1]),
            version: String(requestLine[2]), headers: headers, body: body)
        core.recordRequest(request)
        return request
    }

    /// Reads and discards until the client closes the connection (recorded as a peer close) or the server
    /// stops. The way to "stall": send nothing more and wait.
    public func stall() {
        while (try? fill()) == true { buffer.removeAll() }
    }

    /// Like ``stall()``, but returns whether the client closed within `timeout`.
    public func waitForPeerClose(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let milliseconds = left.pollMilliseconds
            switch POSIXSocket.waitReadable(fd, orStop: core.stopReadFD, timeoutMilliseconds: milliseconds) {
            case nil: continue
            case false: return false
            case true:
                guard let bytes = try? POSIXSocket.receive(fd), !bytes.isEmpty else {
                    core.recordPeerClosed(id: id)
                    return true
                }
            }
        }
    }

    /// Reads more bytes into the buffer; false at end of stream (peer close recorded) or when stopping.
    private func fill() throws(ScriptedTCPServerError) -> Bool {
        guard POSIXSocket.waitReadable(fd, orStop: core.stopReadFD) == true else { return false }
        let bytes = try POSIXSocket.receive(fd)
        if bytes.isEmpty {
            if !core.isStopping { core.recordPeerClosed(id: id) }
            return false
        }
        buffer.append(contentsOf: bytes)
        return true
    }

    private static func head(status: Int, headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }

    // MARK: Writing

    /// Writes raw bytes (anything at all: garbage, half a response).
    public func write(_ bytes: [UInt8]) throws(ScriptedTCPServerError) {
        do {
            try POSIXSocket.sendAll(fd, bytes)
        } catch {
            if error == .peerClosed { core.recordPeerClosed(id: id) }
            if core.isStopping { throw .stopped }
            throw error
        }
    }

    /// Writes raw text as UTF-8.
    public func write(_ text: String) throws(ScriptedTCPServerError) {
        try write(Array(text.utf8))
    }

    /// Writes a complete response with a `Content-Length`.
    public func write(_ response: ScriptedResponse) throws(ScriptedTCPServerError) {
        try writeResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// Writes a complete response with a `Content-Length` header.
    public func writeResponse(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [])
        throws(ScriptedTCPServerError)
    {
        try write(Self.head(status: status, headers: headers + [("Content-Length", "\(body.count)")]) + body)
    }

    /// Writes a complete response with a UTF-8 text body.
    public func writeResponse(status: Int = 200, headers: [(String, String)] = [], body: String)
        throws(ScriptedTCPServerError)
    {
        try writeResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    /// Writes only a response head announcing `Content-Length: contentLength`; send the body with `write`.
    public func writeHead(status: Int = 200, headers: [(String, String)] = [], contentLength: Int)
        throws(ScriptedTCPServerError)
    {
        try write(Self.head(status: status, headers: headers + [("Content-Length", "\(contentLength)")]))
    }

    /// Writes a response head with `Transfer-Encoding: chunked`; follow with ``writeChunk(_:)-(String)``.
    public func writeChunkedHead(status: Int = 200, headers: [(String, String)] = []) throws(ScriptedTCPServerError) {
        try write(Self.head(status: status, headers: headers + [("Transfer-Encoding", "chunked")]))
    }

    /// Writes one chunk of a chunked body (empty input writes nothing: an empty chunk would end the body).
    public func writeChunk(_ bytes: [UInt8]) throws(ScriptedTCPServerError) {
        guard !bytes.isEmpty else { return }
        try write(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
    }

    /// Writes one chunk of UTF-8 text.
    public func writeChunk(_ text: String) throws(ScriptedTCPServerError) {
        try writeChunk(Array(text.utf8))
    }

    /// Ends a chunked body.
    public func writeLastChunk() throws(ScriptedTCPServerError) {
        try write("0\r\n\r\n")
    }

    // MARK: Timing and closing

    /// Waits `duration` (a scripted delay, not a test's guess); throws `.stopped` if the server stops meanwhile.
    public func pause(_ duration: Duration) throws(ScriptedTCPServerError) {
        var descriptor = pollfd(fd: core.stopReadFD, events: Int16(POLLIN), revents: 0)
        let deadline = ContinuousClock.now + duration
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            if poll(&descriptor, 1, left.pollMilliseconds) > 0 { throw .stopped }
        }
    }

    /// Closes the connection now: with a TCP reset when `reset`, else an orderly FIN. Later writes fail.
    public func close(reset: Bool = false) {
        core.closeConnection(id: id, reset: reset)
    }
}

@available(*, unavailable) extension ScriptedConnection: Sendable {}
