/// The status line and header fields of a response.
struct ResponseHead: Sendable {
    var status: Int
    var headers: HTTPClientHeaders
}

typealias HeadContinuation = CheckedContinuation<Result<ResponseHead, HTTPClientError>, Never>
typealias ChunkContinuation = CheckedContinuation<Result<[UInt8]?, HTTPClientError>, Never>

/// The life of one transfer as a value: every event (a header line, body bytes, curl's completion, the consumer
/// asking for more, a cancellation, a timer check) is a mutating method that returns what to do. `Transfer`
/// keeps it under a `Mutex` and performs the returned effects after unlocking.
struct TransferState {
    /// A continuation to resume, computed under the lock and resumed after it.
    enum Resume {
        case head(HeadContinuation, Result<ResponseHead, HTTPClientError>)
        case chunk(ChunkContinuation, Result<[UInt8]?, HTTPClientError>)

        func run() {
            switch self {
            case .head(let continuation, let result): continuation.resume(returning: result)
            case .chunk(let continuation, let result): continuation.resume(returning: result)
            }
        }
    }

    /// What the write callback should tell curl.
    enum WriteDecision: Equatable {
        case accept
        case pause
        case abort
    }

    /// What the consumer gets from `nextChunk`.
    enum NextChunk {
        case chunk([UInt8], resumeTransfer: Bool)
        case end
        case failure(HTTPClientError)
        case mustWait
    }

    let timeouts: HTTPClientTimeouts
    let highWaterMark: Int
    var lowWaterMark: Int { highWaterMark / 2 }

    // Response head, while it is being parsed and once complete.
    private var parsingStatus: Int?
    private var parsingHeaders = HTTPClientHeaders()
    private(set) var head: ResponseHead?
    private var headWaiter: HeadContinuation?

    // Body bytes received from curl and not yet handed to the consumer.
    private var chunks: [[UInt8]] = []
    private(set) var bufferedBytes = 0
    private(set) var maxBufferedBytes = 0
    private(set) var pauseCount = 0
    private var chunkWaiter: ChunkContinuation?
    private(set) var paused = false
    private var resumeRequested = false

    /// Set exactly once: by curl's completion, a timeout, a cancellation or shutdown.
    private(set) var outcome: Result<Void, HTTPClientError>?

    // Timing, on the driver's clock.
    private var startedAt: ContinuousClock.Instant?
    private var firstByteSeen = false
    /// The consumer reported its first event (ends the `firstEvent` limit).
    private var firstEventSeen = false
    private var lastActivity: ContinuousClock.Instant?

    init(timeouts: HTTPClientTimeouts, highWaterMark: Int) {
        self.timeouts = timeouts
        self.highWaterMark = max(1, highWaterMark)
    }

    var isFinished: Bool { outcome != nil }

    // MARK: Caller side

    /// Parks the caller of `execute` until the head arrives. Returns a resume to run at once if the outcome is
    /// already known, else `nil` (and the transfer may be submitted).
    mutating func waitForHead(_ continuation: HeadContinuation) -> Resume? {
        if let head { return .head(continuation, .success(head)) }
        if case .failure(let error) = outcome { return .head(continuation, .failure(error)) }
        if outcome != nil {
            return .head(continuation, .failure(.invalidResponse.with(message: "transfer ended without a head")))
        }
        precondition(headWaiter == nil, "execute awaited the same transfer twice")
        headWaiter = continuation
        return nil
    }

    /// The consumer asks for the next chunk without waiting.
    mutating func nextChunk() -> NextChunk {
        if !chunks.isEmpty {
            var data: [UInt8]
            if chunks.count == 1 {
                data = chunks[0]
            } else {
                data = []
                data.reserveCapacity(bufferedBytes)
                for chunk in chunks { data.append(contentsOf: chunk) }
            }
            chunks.removeAll(keepingCapacity: true)
            bufferedBytes = 0
            return .chunk(data, resumeTransfer: requestResumeIfDrained())
        }
        switch outcome {
        case .success: return .end
        case .failure(let error): return .failure(error)
        case nil: return .mustWait
        }
    }

    /// The consumer saw its first event; with a `firstEvent` limit, the idle clock starts now.
    mutating func markFirstEvent(at now: ContinuousClock.Instant) {
        guard !firstEventSeen else { return }
        firstEventSeen = true
        if timeouts.firstEvent != nil, lastActivity != nil { lastActivity = now }
    }

    /// Parks the consumer; returns a resume to run at once if something arrived meanwhile.
    mutating func waitForChunk(_ continuation: ChunkContinuation) -> (Resume?, resumeTransfer: Bool) {
        switch nextChunk() {
        case .chunk(let data, let resumeTransfer): return (.chunk(continuation, .success(data)), resumeTransfer)
        case .end: return (.chunk(continuation, .success(nil)), false)
        case .failure(let error): return (.chunk(continuation, .failure(error)), false)
        case .mustWait:
            precondition(chunkWaiter == nil, "a response body was iterated by two consumers at once")
            chunkWaiter = continuation
            // A paused transfer with nothing buffered must go on, or the consumer would wait forever.
            return (nil, requestResumeIfDrained())
        }
    }

    private mutating func requestResumeIfDrained() -> Bool {
        guard paused, !resumeRequested, outcome == nil, bufferedBytes <= lowWaterMark else { return false }
        resumeRequested = true
        return true
    }

    /// Ends the transfer from the Swift side (task cancelled, body dropped, client shut down). Buffered bytes are
    /// dropped. Returns the resumes to run and whether the driver must tear the transfer down.
    mutating func cancel(_ error: HTTPClientError) -> (resumes: [Resume], abort: Bool) {
        guard outcome == nil else { return ([], false) }
        outcome = .failure(error)
        chunks.removeAll()
        bufferedBytes = 0
        return (takeWaiters(failing: error), true)
    }

    // MARK: Driver side

    /// The driver handed the transfer to curl.
    mutating func started(at now: ContinuousClock.Instant) {
        startedAt = now
    }

    /// One header line from curl's header callback (CRLF included). Returns whether to accept it and a resume.
    mutating func receivedHeaderLine(_ bytes: UnsafeRawBufferPointer, at now: ContinuousClock.Instant) -> (
        accept: Bool, resume: Resume?
    ) {
        guard outcome == nil else { return (false, nil) }
        firstByteSeen = true
        lastActivity = now
        // Trailers of a chunked body come here too; the head is already complete by then.
        guard head == nil else { return (true, nil) }
        // Parsed over the bytes: a String per name and value, none for the line, its prefix or its parts.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        if end >= 5, bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50, bytes[4] == 0x2F {
            // "HTTP/x[.y] NNN reason"
            guard let space = bytes[..<end].firstIndex(of: 0x20) else { return (false, nil) }
            var index = space
            while index < end, bytes[index] == 0x20 { index += 1 }
            var status = 0
            var digits = 0
            while index < end, bytes[index] != 0x20, digits <= 3 {
                let digit = bytes[index] &- 0x30
                guard digit <= 9 else { return (false, nil) }
                status = status * 10 + Int(digit)
                digits += 1
                index += 1
            }
            guard digits == 3, (100...999).contains(status) else { return (false, nil) }
            parsingStatus = status
            parsingHeaders = HTTPClientHeaders()
        } else if end == 0 {
            guard let status = parsingStatus else { return (false, nil) }
            parsingStatus = nil
            // An interim 1xx head (100 Continue) is followed by the real one.
            if (100..<200).contains(status) && status != 101 { return (true, nil) }
            let complete = ResponseHead(status: status, headers: parsingHeaders)
            head = complete
            if let waiter = headWaiter {
                headWaiter = nil
                return (true, .head(waiter, .success(complete)))
            }
        } else if let colon = bytes[..<end].firstIndex(of: 0x3A) {
            parsingHeaders.append(
                name: Self.trimmedText(bytes, 0..<colon), value: Self.trimmedText(bytes, colon + 1..<end))
        }
        return (true, nil)
    }

    /// Body bytes from curl's write callback. On `.accept` the bytes were copied (or handed on).
    mutating func receivedBody(_ bytes: UnsafeRawBufferPointer, at now: ContinuousClock.Instant) -> (
        WriteDecision, Resume?
    ) {
        guard outcome == nil, head != nil else { return (.abort, nil) }
        if let waiter = chunkWaiter {
            chunkWaiter = nil
            firstByteSeen = true
            lastActivity = now
            return (.accept, .chunk(waiter, .success(Array(bytes))))
        }
        if bufferedBytes >= highWaterMark {
            // curl keeps these bytes and offers them again once the driver un-pauses the transfer.
            paused = true
            resumeRequested = false
            pauseCount += 1
            return (.pause, nil)
        }
        firstByteSeen = true
        lastActivity = now
        chunks.append(Array(bytes))
        bufferedBytes += bytes.count
        maxBufferedBytes = max(maxBufferedBytes, bufferedBytes)
        return (.accept, nil)
    }

    /// The driver is about to un-pause the transfer; false if it should not (already ended or not paused).
    mutating func willResume(at now: ContinuousClock.Instant) -> Bool {
        resumeRequested = false
        guard paused, outcome == nil else { return false }
        paused = false
        // Time spent paused is the consumer's, not the server's: restart the idle clock.
        lastActivity = now
        return true
    }

    /// curl finished the transfer (or the driver aborted it with a timeout). Buffered bytes stay readable; the
    /// failure, if any, comes after them.
    mutating func finished(_ result: Result<Void, HTTPClientError>) -> [Resume] {
        guard outcome == nil else { return [] }
        var result = result
        if head == nil, case .success = result {
            result = .failure(.invalidResponse.with(message: "the transfer ended without a response head"))
        }
        outcome = result
        var resumes: [Resume] = []
        if let waiter = headWaiter, case .failure(let error) = result {
            headWaiter = nil
            resumes.append(.head(waiter, .failure(error)))
        }
        if let waiter = chunkWaiter {
            chunkWaiter = nil
            switch result {
            case .success: resumes.append(.chunk(waiter, .success(nil)))
            case .failure(let error): resumes.append(.chunk(waiter, .failure(error)))
            }
        }
        return resumes
    }

    /// A first-byte or idle limit that has passed at `now`, and otherwise the earliest instant one could pass
    /// (the driver checks again no later than that; an idle limit that does not apply yet can only start to run
    /// after `now`).
    func checkDeadlines(at now: ContinuousClock.Instant) -> (expired: HTTPClientError?, next: ContinuousClock.Instant?)
    {
        guard outcome == nil, let startedAt else { return (nil, nil) }
        var next: ContinuousClock.Instant?
        if head == nil, let firstByte = timeouts.firstByte {
            let deadline = startedAt + firstByte
            if now >= deadline {
                return (.firstByteTimeout.with(message: "no response head within \(firstByte)"), nil)
            }
            next = deadline
        }
        if !firstEventSeen, let firstEvent = timeouts.firstEvent {
            let deadline = startedAt + firstEvent
            if now >= deadline {
                return (.firstByteTimeout.with(message: "no first event within \(firstEvent)"), nil)
            }
            next = min(next ?? deadline, deadline)
        }
        // While a first event is awaited, its own limit governs: a model that sends its head at once and then
        // thinks for a while is slow to start, not stalled.
        let awaitingFirstEvent = timeouts.firstEvent != nil && !firstEventSeen
        if !paused, let idle = timeouts.idle {
            if firstByteSeen, !awaitingFirstEvent, let lastActivity {
                let deadline = lastActivity + idle
                if now >= deadline {
                    return (.idleTimeout.with(message: "nothing received for \(idle)"), nil)
                }
                next = min(next ?? deadline, deadline)
            } else {
                next = min(next ?? now + idle, now + idle)
            }
        }
        return (nil, next)
    }

    private mutating func takeWaiters(failing failure: HTTPClientError) -> [Resume] {
        var resumes: [Resume] = []
        if let waiter = headWaiter {
            headWaiter = nil
            resumes.append(.head(waiter, .failure(failure)))
        }
        if let waiter = chunkWaiter {
            chunkWaiter = nil
            resumes.append(.chunk(waiter, .failure(failure)))
        }
        return resumes
    }
}

extension TransferState {
    /// `bytes[range]` without leading and trailing spaces and tabs, as text (invalid UTF-8 repaired).
    fileprivate static func trimmedText(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]), as: UTF8.self)
    }
}
