import Logging
import MRCommon
import MRHTTPClient
import MRHTTPServer
import MRTestSupport
import Synchronization
import Testing

/// A scripted handler: each path is one behaviour under test.
struct ScriptedHandler: HTTPHandler {
    /// The loops the server runs on, if any: `/on-loop` reports whether its work ran on one of them.
    var loops: [any EventLoop] = []
    let streamCancelled = TestSignal()
    let deferredStarted = TestSignal()
    let releaseDeferred = TestSignal()
    let produced = TestCounter()

    func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        let result = respond(request)
        // `?deferred`: the same answer from a deferred handler (a stream body is then produced by the server's
        // producer task, as for the chat routes).
        if request.query.contains(where: { $0.name == "deferred" }), case .response(let response) = result {
            return .deferred { response }
        }
        return result
    }

    private func respond(_ request: HTTPRequest) -> HTTPHandlerResult {
        switch request.path {
        case "/hello":
            return .response(HTTPResponse(status: 200, contentType: "text/plain", bytes: Array("hi".utf8)))
        case "/echo":
            var response = HTTPResponse(status: 200, contentType: "application/octet-stream", bytes: request.body)
            response.headers.add("X-Query", request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
            response.headers.add(
                "X-Query-Bytes", request.query.map { "\($0.name):\($0.value.utf8.count)" }.joined(separator: ","))
            response.headers.add("X-Seen-Header", request.headers["x-custom"] ?? "")
            return .response(response)
        case "/deferred":
            return .deferred {
                deferredStarted.fire()
                _ = await releaseDeferred.wait(timeout: .seconds(20))
                return HTTPResponse(status: 201, contentType: "text/plain", bytes: Array("later".utf8))
            }
        case "/on-loop":
            let loops = self.loops
            @Sendable func onALoop() -> Bool { loops.contains { $0.isCurrent } }
            return .deferredOnLoop {
                // A suspension and its resumption stay on the loop too.
                let before = onALoop()
                try? await Task.sleep(for: .milliseconds(1))
                let after = onALoop()
                return HTTPResponse(
                    status: 200, headers: ["Content-Type": "text/plain"],
                    body: .stream(
                        HTTPStreamBody { writer in try await writer.write("\(before) \(after) \(onALoop())") })
                )
            }
        case "/which-loop":
            let loops = self.loops
            return .deferredOnLoop {
                let index = loops.firstIndex { $0.isCurrent }.map(String.init) ?? "none"
                return HTTPResponse(status: 200, contentType: "text/plain", bytes: Array(index.utf8))
            }
        case "/stream":
            return .response(
                HTTPResponse(
                    status: 200, headers: ["Content-Type": "text/plain"],
                    body: .stream(
                        HTTPStreamBody { writer in
                            for index in 0..<50 { try await writer.write("line \(index)\n") }
                        })))
        case "/forever":
            let signal = streamCancelled
            return .response(
                HTTPResponse(
                    status: 200, headers: ["Content-Type": "text/event-stream"],
                    body: .stream(
                        HTTPStreamBody(heartbeat: .init(interval: .milliseconds(20), bytes: Array(": hb\n\n".utf8))) {
                            writer in
                            try await writer.write("event: start\n\n")
                            await withTaskCancellationHandler {
                                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                            } onCancel: {
                                signal.fire()
                            }
                        })))
        case "/firehose":
            let counter = produced
            return .response(
                HTTPResponse(
                    status: 200, headers: ["Content-Type": "application/octet-stream"],
                    body: .stream(
                        HTTPStreamBody { writer in
                            let chunk = [UInt8](repeating: 65, count: 64 * 1024)
                            for _ in 0..<160 {  // 10 MiB
                                try await writer.write(chunk)
                                counter.add(chunk.count)
                            }
                        })))
        default:
            return .response(HTTPResponse(status: 404, contentType: "text/plain", bytes: Array("nope".utf8)))
        }
    }

    func serverError(_ error: HTTPServerError, request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(
            status: error == .shuttingDown ? 503 : 413, contentType: "text/plain", bytes: Array(error.name.utf8))
    }
}

/// Where the server runs: on libmicrohttpd's own threads, or on an HTTP client's event loops (two daemons sharing
/// the port, as the application runs it). Every test runs both ways.
enum ServerMode: CaseIterable, Sendable {
    case ownThreads
    case eventLoops

    /// One client for every loop-mode test: its threads live as long as the test process.
    static let client = HTTPClient(loops: 2)

    var loops: [any EventLoop] { self == .eventLoops ? Self.client.eventLoops : [] }
}

func startServer(
    _ handler: ScriptedHandler, maxBody: Int = 1024, idleTimeoutSeconds: Int = 120, mode: ServerMode
) throws -> HTTPServer {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    var handler = handler
    handler.loops = mode.loops
    return try HTTPServer(
        configuration: .init(
            host: "127.0.0.1", port: 0, maxBodyBytes: maxBody, threads: 2,
            connectionTimeoutSeconds: idleTimeoutSeconds),
        handler: handler, logger: logger, loops: mode.loops)
}

@Suite struct HTTPServerTests {
    @Test(arguments: ServerMode.allCases) func answersAndKeepsTheConnectionAlive(mode: ServerMode) async throws {
        let server = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await server.shutdown() } }
        #expect(server.port != 0)
        let connection = try RawHTTPConnection(port: server.port)
        for _ in 0..<3 {
            let response = try await connection.request("GET", "/hello")
            #expect(response.status == 200)
            #expect(response.text == "hi")
            #expect(response.header("Connection")?.lowercased() != "close")
            #expect(response.header("X-Request-Id")?.isEmpty == false)
        }
    }

    @Test(arguments: ServerMode.allCases) func passesQueryHeadersAndBody(mode: ServerMode) async throws {
        let server = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await server.shutdown() } }
        let response = try await httpRequest(
            port: server.port, "POST", "/echo?a=1&b=x%20y", headers: [("X-Custom", "v"), ("X-Request-Id", "abc-1")],
            body: Array("payload".utf8))
        #expect(response.status == 200)
        #expect(response.text == "payload")
        #expect(response.header("X-Query") == "a=1&b=x y")
        #expect(response.header("X-Seen-Header") == "v")
        #expect(response.header("X-Request-Id") == "abc-1")
    }

    /// A query value is binary-safe: an escaped NUL does not cut it short (libmicrohttpd's C strings would).
    @Test(arguments: ServerMode.allCases) func queryValuesKeepAnEscapedNUL(mode: ServerMode) async throws {
        let server = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await server.shutdown() } }
        let response = try await httpRequest(port: server.port, "GET", "/echo?m=he%00lo&n=%00")
        #expect(response.status == 200)
        #expect(response.header("X-Query-Bytes") == "m:5,n:1")
    }

    @Test(arguments: ServerMode.allCases) func rejectsBodiesOverTheLimit(mode: ServerMode) async throws {
        let server = try startServer(ScriptedHandler(), maxBody: 1024, mode: mode)
        defer { Task { await server.shutdown() } }
        // Declared too large up front.
        let declared = try await httpRequest(
            port: server.port, "POST", "/echo", body: [UInt8](repeating: 1, count: 5000))
        #expect(declared.status == 413)
        // Chunked upload with no length: caught while reading.
        let connection = try RawHTTPConnection(port: server.port)
        var upload = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<4 { upload += "200\r\n" + String(repeating: "a", count: 512) + "\r\n" }
        upload += "0\r\n\r\n"
        try await connection.send(upload)
        let streamed = try await connection.readResponse()
        #expect(streamed.status == 413)
        // At the limit exactly is fine.
        let exact = try await httpRequest(port: server.port, "POST", "/echo", body: [UInt8](repeating: 2, count: 1024))
        #expect(exact.status == 200)
        #expect(exact.body.count == 1024)
    }

    @Test(arguments: ServerMode.allCases) func deferredHandlersDoNotBlockOtherRequests(mode: ServerMode) async throws {
        let handler = ScriptedHandler()
        let server = try startServer(handler, mode: mode)
        defer { Task { await server.shutdown() } }
        let slow = Task { try await httpRequest(port: server.port, "GET", "/deferred") }
        #expect(await handler.deferredStarted.wait())
        // With the deferred request parked, the server still answers others.
        for _ in 0..<5 {
            #expect(try await httpRequest(port: server.port, "GET", "/hello").status == 200)
        }
        handler.releaseDeferred.fire()
        let response = try await slow.value
        #expect(response.status == 201)
        #expect(response.text == "later")
    }

    /// Each streaming test also runs with the stream answered by a deferred handler (`?deferred`), the path the
    /// chat routes take, as well as by a synchronous one.
    static let streamCases = ServerMode.allCases.flatMap { mode in [(mode, ""), (mode, "?deferred")] }

    @Test(arguments: streamCases) func streamsABody(mode: ServerMode, query: String) async throws {
        let server = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await server.shutdown() } }
        let response = try await httpRequest(port: server.port, "GET", "/stream\(query)")
        #expect(response.status == 200)
        let lines = response.text.split(separator: "\n")
        #expect(lines.count == 50)
        #expect(lines.last == "line 49")
    }

    @Test(arguments: streamCases) func clientDisconnectCancelsTheProducer(mode: ServerMode, query: String)
        async throws
    {
        let handler = ScriptedHandler()
        let server = try startServer(handler, mode: mode)
        defer { Task { await server.shutdown() } }
        let connection = try RawHTTPConnection(port: server.port)
        try await connection.send("GET /forever\(query) HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try await connection.read(until: "event: start")
        #expect(head.contains("200"))
        _ = try await connection.read(until: ": hb")  // heartbeats flow while idle
        connection.close()
        #expect(await handler.streamCancelled.wait(timeout: .seconds(10)))
        #expect(await eventually { server.activeRequests == 0 })
    }

    @Test(arguments: streamCases) func slowClientGetsBackPressureNotUnboundedBuffering(
        mode: ServerMode, query: String
    ) async throws {
        let handler = ScriptedHandler()
        let server = try startServer(handler, mode: mode)
        defer { Task { await server.shutdown() } }
        let connection = try RawHTTPConnection(port: server.port)
        try await connection.send("GET /firehose\(query) HTTP/1.1\r\nHost: x\r\n\r\n")
        // Read nothing for a while: the producer must stall far short of the 10 MiB it wants to write.
        #expect(await eventually { handler.produced.count > 0 })
        try await Task.sleep(for: .milliseconds(300))
        let stalledAt = handler.produced.count
        #expect(stalledAt < 8 * 1024 * 1024, "producer wrote \(stalledAt) bytes into an unread connection")
        let response = try await connection.readResponse(timeout: .seconds(30))
        #expect(response.body.count == 160 * 64 * 1024)
    }

    @Test(arguments: ServerMode.allCases) func idleConnectionsAreClosed(mode: ServerMode) async throws {
        // On a loop the daemon only runs when the loop calls it: its idle timeout must still fire with no traffic.
        let server = try startServer(ScriptedHandler(), idleTimeoutSeconds: 1, mode: mode)
        defer { Task { await server.shutdown() } }
        let idle = try RawHTTPConnection(port: server.port)
        let response = try await idle.request("GET", "/hello")
        #expect(response.status == 200)
        #expect(try await idle.waitForClose(timeout: .seconds(20)))
    }

    @Test(arguments: ServerMode.allCases) func survivesGarbageAndHugeHeaders(mode: ServerMode) async throws {
        let server = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await server.shutdown() } }
        let garbage = try RawHTTPConnection(port: server.port)
        try await garbage.send((0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        #expect(try await garbage.waitForClose())
        let huge = try RawHTTPConnection(port: server.port)
        let header = "X-Big: " + String(repeating: "a", count: 100_000) + "\r\n"
        try? await huge.send("GET /hello HTTP/1.1\r\nHost: x\r\n" + header + "\r\n")
        let answer = try? await huge.readResponse()
        if let answer { #expect(answer.status >= 400) }
        // And it still serves.
        #expect(try await httpRequest(port: server.port, "GET", "/hello").status == 200)
    }

    @Test(arguments: streamCases) func shutdownFinishesInFlightWorkAndStopsAccepting(mode: ServerMode, query: String)
        async throws
    {
        let handler = ScriptedHandler()
        let server = try startServer(handler, mode: mode)
        let port = server.port
        let slow = Task { try await httpRequest(port: port, "GET", "/deferred") }
        #expect(await handler.deferredStarted.wait())
        let stream = try RawHTTPConnection(port: port)
        try await stream.send("GET /forever\(query) HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await stream.read(until: "event: start")
        let shutdown = Task { await server.shutdown(gracePeriod: .seconds(5)) }
        #expect(await handler.streamCancelled.wait())  // streams are asked to end
        switch mode {
        case .eventLoops:
            #expect(await eventually { (try? RawHTTPConnection(port: port)) == nil })  // no new connections
        case .ownThreads:
            // Not quiesced on its own threads (see ServerCore): a new request is refused with a 503.
            #expect(try await httpRequest(port: port, "GET", "/hello").status == 503)
        }
        handler.releaseDeferred.fire()
        #expect(try await slow.value.status == 201)  // in-flight work completes
        await shutdown.value
        #expect(try await stream.waitForClose())
    }

    @Test func loopHandlersRunOnTheLoop() async throws {
        let server = try startServer(ScriptedHandler(), mode: .eventLoops)
        defer { Task { await server.shutdown() } }
        let response = try await httpRequest(port: server.port, "GET", "/on-loop")
        #expect(response.status == 200)
        #expect(response.text == "true true true")
    }

    @Test func connectionsSpreadOverTheLoops() async throws {
        let server = try startServer(ScriptedHandler(), mode: .eventLoops)
        defer { Task { await server.shutdown() } }
        // The kernel hashes each connection to one of the two daemons sharing the port: with fresh connections both
        // end up answering, each on its own loop.
        var threads = Set<Int>()
        for _ in 0..<64 where threads.count < 2 {
            let response = try await httpRequest(port: server.port, "GET", "/which-loop")
            #expect(response.status == 200)
            if let index = Int(response.text) { threads.insert(index) }
        }
        #expect(threads == [0, 1])
    }

    @Test func loopHandlersRunAnywhereWithoutALoop() async throws {
        let server = try startServer(ScriptedHandler(), mode: .ownThreads)
        defer { Task { await server.shutdown() } }
        let response = try await httpRequest(port: server.port, "GET", "/on-loop")
        #expect(response.status == 200)
        #expect(response.text == "false false false")
    }

    @Test(arguments: ServerMode.allCases) func aSecondServerOnTheSamePortFailsInsteadOfSharingIt(mode: ServerMode)
        async throws
    {
        let first = try startServer(ScriptedHandler(), mode: mode)
        defer { Task { await first.shutdown() } }
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(
                configuration: .init(host: "127.0.0.1", port: first.port), handler: ScriptedHandler(),
                logger: Logger(label: "t"), loops: mode.loops)
        }
    }

    @Test func rejectsInvalidListenAddress() {
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(
                configuration: .init(host: "not-an-ip"), handler: ScriptedHandler(), logger: Logger(label: "t"))
        }
    }
}
