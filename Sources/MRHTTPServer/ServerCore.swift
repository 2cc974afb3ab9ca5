internal import CMicroHTTPD
import Logging
import MRCommon
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The engine behind `HTTPServer`: owns the daemon, answers libmicrohttpd's callbacks, tracks the
/// requests that outlive one callback (deferred handlers and streams) so shutdown can end them.
final class ServerCore: @unchecked Sendable {
    // @unchecked: configuration, handler and logger are immutable; everything mutable is in `state`.
    private struct State {
        var daemon: CHandle?
        var shuttingDown = false
        var inFlight: [ObjectIdentifier: RequestContext] = [:]
    }

    let configuration: HTTPServer.Configuration
    let handler: any HTTPHandler
    let logger: Logger
    /// The loop the daemon runs on, when it does not run its own threads.
    let loop: (any EventLoop)?
    private let resumer: ConnectionResumer
    /// One task sends every stream's heartbeats.
    private let heartbeats: HeartbeatSweeper
    private var loopSource: DaemonSource?
    private let state = Mutex(State())
    private let requestCounter = Atomic<UInt64>(0)
    private let requestIDPrefix: String
    /// Kept alive for the daemon's lifetime: MHD reads the address when binding.
    private var sockaddrStorage = sockaddr_storage()

    init(configuration: HTTPServer.Configuration, handler: any HTTPHandler, logger: Logger, loop: (any EventLoop)?) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.loop = loop
        self.resumer = ConnectionResumer(loop: loop)
        self.heartbeats = HeartbeatSweeper(executor: loop)
        self.requestIDPrefix = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
    }

    var activeCount: Int { state.withLock { $0.inFlight.count } }

    var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    // MARK: Start and stop

    /// Starts the daemon: on MHD's own threads it binds the configured address itself; on a loop it runs on
    /// `listenSocket`, which the server owns and shares between its daemons.
    func start(listenSocket: Int32? = nil) throws(HTTPServerError) -> UInt16 {
        var options: [MHD_OptionItem]
        if let listenSocket {
            options = [mr_mhd_option_listen_socket(listenSocket)]
        } else {
            let length = mr_mhd_make_sockaddr(configuration.host, configuration.port, &sockaddrStorage)
            guard length > 0 else {
                throw .invalidListenAddress(host: configuration.host)
            }
            options = [mr_mhd_option_sock_addr(&sockaddrStorage)]
        }
        // Epoll, optimistic reads and fewer syscalls (turbo); on MHD's own threads, or on the loop, which waits on
        // the daemon's epoll descriptor and calls MHD_run when it is readable.
        var flags = MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_TURBO.rawValue
        if loop == nil { flags |= MHD_USE_INTERNAL_POLLING_THREAD.rawValue }
        if configuration.host.contains(":") { flags |= MHD_USE_IPv6.rawValue }
        options += [
            mr_mhd_option_uint(.CONNECTION_LIMIT, UInt32(configuration.connectionLimit)),
            mr_mhd_option_uint(.CONNECTION_TIMEOUT, UInt32(configuration.connectionTimeoutSeconds)),
            mr_mhd_option_size(.CONNECTION_MEMORY_LIMIT, configuration.connectionMemoryLimit),
            mr_mhd_option_uint(.LISTEN_BACKLOG_SIZE, UInt32(configuration.listenBacklog)),
            mr_mhd_option_notify_completed(requestCompletedCallback, Unmanaged.passUnretained(self).toOpaque()),
        ]
        if configuration.threads > 1 && loop == nil {
            options.append(mr_mhd_option_uint(.THREAD_POOL_SIZE, UInt32(configuration.threads)))
        }
        options.append(mr_mhd_option_end())
        let daemon = options.withUnsafeMutableBufferPointer { buffer in
            mr_mhd_start_daemon(
                flags, configuration.port, accessHandlerCallback, Unmanaged.passUnretained(self).toOpaque(),
                buffer.baseAddress)
        }
        guard let daemon else {
            let reason = String(cString: strerror(errno))
            throw .bindFailed("cannot listen on \(configuration.host):\(configuration.port): \(reason)")
        }
        state.withLock { $0.daemon = CHandle(pointer: daemon) }
        if let loop {
            let source = DaemonSource(daemon: daemon, descriptor: mr_mhd_daemon_epoll_fd(daemon))
            loopSource = source
            loop.attach(source)
        }
        return mr_mhd_daemon_port(daemon)
    }

    func shutdown(gracePeriod: Duration) async {
        // On a loop, every call into the daemon must come from the loop's thread, between its MHD_run calls.
        if let loop {
            await withTaskExecutorPreference(loop) { await shutdownDaemon(gracePeriod: gracePeriod) }
        } else {
            await shutdownDaemon(gracePeriod: gracePeriod)
        }
    }

    private func shutdownDaemon(gracePeriod: Duration) async {
        let handle = state.withLock { state -> CHandle? in
            if state.shuttingDown { return nil }
            state.shuttingDown = true
            return state.daemon
        }
        guard let daemon = handle?.pointer else { return }
        // 1. Stop accepting. On a loop (this runs on it, between MHD_run calls) the daemon is quiesced: new
        // connections are refused from here on; the shared socket is shut down now (every daemon on it is stopping
        // too) and closed by the server once all of them have stopped.
        // On MHD's own threads it is not: libmicrohttpd 0.9.75 races its own thread when quiescing from another
        // one (both take the listen socket out of the epoll set; the loser aborts with "Failed to remove listen
        // FD from epoll set", seen about once in ten test runs). There, new requests get 503 until the stop.
        if loop != nil {
            let listenFD = MHD_quiesce_daemon(daemon)
            if listenFD >= 0 { _ = Glibc.shutdown(listenFD, Int32(SHUT_RDWR)) }
        }
        // 2. Ask streams to end; their producers may still write a last event.
        heartbeats.stop()
        for context in state.withLock({ Array($0.inFlight.values) }) {
            context.stream?.cancelProducer()
        }
        // 3. Give in-flight work its grace period.
        let deadline = ContinuousClock.now + gracePeriod
        while activeCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        // 4. Close what is left: streams end with an error, deferred requests get a 503.
        for context in state.withLock({ Array($0.inFlight.values) }) {
            if let stream = context.stream {
                if stream.close() { stream.resumeConnection() }
            } else if let connection = context.connection,
                context.completeDeferred(with: handler.serverError(.shuttingDown, request: context.request))
            {
                resumer.resume(connection)
            }
        }
        let forcedDeadline = ContinuousClock.now + .seconds(1)
        while activeCount > 0, ContinuousClock.now < forcedDeadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if let loop, let loopSource { await loop.detach(loopSource) }
        MHD_stop_daemon(daemon)
        state.withLock {
            $0.daemon = nil
            $0.inFlight.removeAll()
        }
    }

    // MARK: Callbacks

    func access(
        connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
        uploadData: UnsafePointer<CChar>?, uploadDataSize: UnsafeMutablePointer<Int>,
        contextSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let raw = contextSlot.pointee else {
            // First call: the head is complete. Keep a context and answer on a later call (answering now
            // makes libmicrohttpd close the connection instead of keeping it alive).
            let context = RequestContext(request: makeRequest(connection: connection, url: url, method: method))
            context.connection = connection
            contextSlot.pointee = Unmanaged.passRetained(context).toOpaque()
            if let length = context.request.headers["Content-Length"].flatMap(Int.init),
                length > configuration.maxBodyBytes
            {
                context.phase = .tooLarge
                // A body we would have to swallow whole is refused at once (the client may see a reset);
                // a moderate one is read and dropped so the client reliably gets its 413.
                if length > discardLimit {
                    return queue(payloadTooLargeResponse(context), connection: connection, context: context)
                }
            }
            return .YES
        }
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
        switch context.phase {
        case .reading:
            let size = uploadDataSize.pointee
            if size > 0 {
                uploadDataSize.pointee = 0
                guard context.body.count + size <= configuration.maxBodyBytes else {
                    context.phase = .tooLarge
                    context.discarded = context.body.count + size
                    context.body = []
                    return .YES
                }
                if let uploadData {
                    context.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: size))
                }
                return .YES
            }
            return dispatch(context, connection: connection)
        case .waiting:
            guard let response = context.takeDeferred() else { return .YES }
            return queue(response, connection: connection, context: context)
        case .tooLarge:
            let size = uploadDataSize.pointee
            uploadDataSize.pointee = 0
            context.discarded += size
            if size == 0 || context.discarded > discardLimit {
                return queue(payloadTooLargeResponse(context), connection: connection, context: context)
            }
            return .YES
        case .answered:
            uploadDataSize.pointee = 0
            return .YES
        }
    }

    private func dispatch(_ context: RequestContext, connection: OpaquePointer) -> MHD_Result {
        var request = context.request
        request.body = context.body
        context.body = []
        if isShuttingDown {
            return queue(handler.serverError(.shuttingDown, request: request), connection: connection, context: context)
        }
        switch handler.handle(request) {
        case .response(let response):
            return queue(response, connection: connection, context: context)
        case .deferred(let work):
            return suspendForDeferred(work, context: context, connection: connection)
        case .deferredOnLoop(let work):
            context.runsOnLoop = loop != nil
            return suspendForDeferred(work, context: context, connection: connection)
        }
    }

    private func suspendForDeferred(
        _ work: @escaping @Sendable () async -> HTTPResponse, context: RequestContext, connection: OpaquePointer
    ) -> MHD_Result {
        context.phase = .waiting
        register(context)
        // Suspend before the task exists, so its resume can never come first.
        MHD_suspend_connection(connection)
        let handle = CHandle(pointer: connection)
        Task(executorPreference: context.runsOnLoop ? loop : nil) {
            let response = await work()
            if context.completeDeferred(with: response) {
                self.resumer.resume(handle.pointer)
            }
        }
        return .YES
    }

    /// How much of an oversized body is read and dropped before the server stops listening to it.
    private var discardLimit: Int { max(configuration.maxBodyBytes * 2, 8 * 1024 * 1024) }

    private func payloadTooLargeResponse(_ context: RequestContext) -> HTTPResponse {
        var response = handler.serverError(
            .payloadTooLarge(limit: configuration.maxBodyBytes), request: context.request)
        response.headers.set("Connection", "close")
        return response
    }

    func requestCompleted(contextSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, termination: UInt32) {
        guard let slot = contextSlot, let raw = slot.pointee else { return }
        slot.pointee = nil
        let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
        context.connection = nil
        if let stream = context.stream {
            heartbeats.remove(stream)
            stream.close()
        }
        unregister(context)
        let request = context.request
        let elapsed = ContinuousClock.now - request.receivedAt
        handler.requestCompleted(request, status: context.status, duration: elapsed)
        logger.info(
            "\(request.method) \(request.path) \(context.status)",
            metadata: [
                "request_id": "\(request.id)", "duration_ms": "\(elapsed.milliseconds)",
                "remote": "\(request.remoteAddress)", "completed": "\(termination == 0)",
            ])
    }

    // MARK: Responses

    func queue(_ response: HTTPResponse, connection: OpaquePointer, context: RequestContext) -> MHD_Result {
        context.phase = .answered
        context.status = response.status
        let mhdResponse: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            mhdResponse = bytes.withUnsafeBytes { buffer in
                MHD_create_response_from_buffer(
                    buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress), .RESPMEM_MUST_COPY)
            }
        case .stream(let body):
            let stream = ResponseStream(connection: connection, resumer: resumer)
            context.stream = stream
            register(context)
            // The block size is a buffer allocated (and zeroed) with every response, though chunked HTTP/1.1
            // bodies are read straight into the connection's write buffer: only HTTP/1.0 clients use it (and then
            // get their stream in 1 KiB pieces). 1 KiB instead of 16 saves ~15 KB per open stream (75 MB for 5,000).
            mhdResponse = MHD_create_response_from_callback(
                UInt64.max, 1024, streamReaderCallback, Unmanaged.passRetained(stream).toOpaque(),
                streamFreeCallback)
            startProducing(body, into: stream, onLoop: context.runsOnLoop)
        }
        guard let mhdResponse else { return .NO }
        // withCString passes a native string's own storage; the implicit conversion would copy each into an array.
        for (name, value) in response.headers {
            _ = name.withCString { name in value.withCString { MHD_add_response_header(mhdResponse, name, $0) } }
        }
        _ = context.request.id.withCString { MHD_add_response_header(mhdResponse, "X-Request-Id", $0) }
        let result = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
        return result
    }

    private func startProducing(_ body: HTTPStreamBody, into stream: ResponseStream, onLoop: Bool) {
        let writer = HTTPBodyWriter(stream: stream)
        let logger = self.logger
        let executor = onLoop ? loop : nil
        stream.adopt(
            Task(executorPreference: executor) {
                do {
                    try await body.produce(writer)
                } catch {
                    Self.producerFailed(error, logger: logger)
                }
                stream.finish()
            })
        if let heartbeat = body.heartbeat { heartbeats.add(stream, heartbeat: heartbeat) }
    }

    /// Logs a producer's failure, unless the client left or it was cancelled. Out of line: the producer's task
    /// keeps its frame for the stream's life, and the message's temporaries need not be in it.
    @inline(never)
    private static func producerFailed(_ error: any Error, logger: Logger) {
        if !(error is CancellationError) && (error as? HTTPServerError) != .clientGone {
            logger.warning("stream producer failed: \(error)")
        }
    }

    // MARK: Request head

    private func makeRequest(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>)
        -> HTTPRequest
    {
        var headers = HTTPHeaders()
        withUnsafeMutablePointer(to: &headers) { pointer in
            _ = MHD_get_connection_values(connection, .HEADER_KIND, headerIterator, pointer)
        }
        var query: [(name: String, value: String)] = []
        withUnsafeMutablePointer(to: &query) { pointer in
            _ = MHD_get_connection_values_n(connection, .GET_ARGUMENT_KIND, queryIterator, pointer)
        }
        let remote = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            mr_mhd_client_address(connection, buffer.baseAddress, 64) == 0 ? String(cString: buffer.baseAddress!) : ""
        }
        return HTTPRequest(
            method: String(cString: method), path: String(cString: url), query: query, headers: headers,
            id: requestID(from: headers["X-Request-Id"]), remoteAddress: remote, receivedAt: .now)
    }

    /// The client's request id when it is short and plain, else `prefix-counter`.
    private func requestID(from header: String?) -> String {
        if let header, !header.isEmpty, header.utf8.count <= 64,
            header.utf8.allSatisfy({
                $0 == 45 || $0 == 46 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0)
                    || (97...122).contains($0)
            })
        {
            return header
        }
        let number = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return requestIDPrefix + "-" + String(number, radix: 16)
    }

    // MARK: In-flight registry

    private func register(_ context: RequestContext) {
        state.withLock { $0.inFlight[ObjectIdentifier(context)] = context }
    }

    private func unregister(_ context: RequestContext) {
        state.withLock { _ = $0.inFlight.removeValue(forKey: ObjectIdentifier(context)) }
    }
}

/// The daemon as an event-loop source: the loop waits on its epoll descriptor and runs it when ready or when a
/// connection timeout is due.
private final class DaemonSource: EventLoopSource, @unchecked Sendable {
    // @unchecked: only the loop's thread calls into the daemon through this.
    let daemon: OpaquePointer
    let descriptor: Int32

    init(daemon: OpaquePointer, descriptor: Int32) {
        self.daemon = daemon
        self.descriptor = descriptor
    }

    func timeout() -> Duration? {
        let milliseconds = mr_mhd_timeout_ms(daemon)
        return milliseconds < 0 ? nil : .milliseconds(milliseconds)
    }

    func run() {
        _ = MHD_run(daemon)
    }
}

// MARK: C callbacks (capture nothing; recover their owner from the context pointer; never throw)

private let accessHandlerCallback: MHD_AccessHandlerCallback = {
    cls, connection, url, method, _, uploadData, uploadDataSize, contextSlot in
    guard let cls, let connection, let url, let method, let uploadDataSize, let contextSlot else { return .NO }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    return core.access(
        connection: connection, url: url, method: method, uploadData: uploadData, uploadDataSize: uploadDataSize,
        contextSlot: contextSlot)
}

private let requestCompletedCallback: MHD_RequestCompletedCallback = { cls, _, contextSlot, termination in
    guard let cls else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    core.requestCompleted(contextSlot: contextSlot, termination: termination.rawValue)
}

private let streamReaderCallback: MHD_ContentReaderCallback = { cls, _, buffer, max in
    guard let cls, let buffer else { return -2 }
    let stream = Unmanaged<ResponseStream>.fromOpaque(cls).takeUnretainedValue()
    return stream.read(into: buffer, max: max)
}

private let streamFreeCallback: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    let stream = Unmanaged<ResponseStream>.fromOpaque(cls).takeRetainedValue()
    stream.close()
}

private let headerIterator: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let headers = cls.assumingMemoryBound(to: HTTPHeaders.self)
    headers.pointee.add(String(cString: key), value.map { String(cString: $0) } ?? "")
    return .YES
}

/// With sizes: a query's names and values are URL-decoded, and `%00` must not end them early.
private let queryIterator: MHD_KeyValueIteratorN = { cls, _, key, keySize, value, valueSize in
    guard let cls, let key else { return .YES }
    let query = cls.assumingMemoryBound(to: [(name: String, value: String)].self)
    let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
    let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) }
    query.pointee.append((name: name, value: text ?? ""))
    return .YES
}
