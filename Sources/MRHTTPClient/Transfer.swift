import Synchronization

/// One request's life, shared by the Swift side (`execute`, the body consumer) and the driver thread (curl's
/// callbacks, completion, timers). All mutable state is a `TransferState` value behind a `Mutex`; effects
/// (resuming continuations, talking to the driver) happen after the lock is released.
final class Transfer: Sendable {
    let request: HTTPClientRequest
    private let driver: Driver
    private let state: Mutex<TransferState>

    init(request: HTTPClientRequest, driver: Driver, highWaterMark: Int) {
        self.request = request
        self.driver = driver
        self.state = Mutex(TransferState(timeouts: request.timeouts, highWaterMark: highWaterMark))
    }

    // MARK: Swift side

    /// Submits the transfer and suspends until the response head is in (or the transfer failed).
    func run() async -> Result<ResponseHead, HTTPClientError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: HeadContinuation) in
                if let resume = state.withLock({ $0.waitForHead(continuation) }) {
                    resume.run()
                } else if !driver.submit(self) {
                    cancel(.shutdown.with(message: "the HTTP client was shut down"))
                }
            }
        } onCancel: {
            cancel(.cancelled.with(message: "the request's task was cancelled"))
        }
    }

    /// The next body chunk, `nil` at the end; suspends while nothing is buffered.
    func nextChunk() async -> Result<[UInt8]?, HTTPClientError> {
        if Task.isCancelled {
            cancel(.cancelled.with(message: "the body consumer's task was cancelled"))
        }
        let immediate = state.withLock { $0.nextChunk() }
        switch immediate {
        case .chunk(let data, let resumeTransfer):
            if resumeTransfer { driver.requestResume(self) }
            return .success(data)
        case .end: return .success(nil)
        case .failure(let error): return .failure(error)
        case .mustWait: break
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: ChunkContinuation) in
                let (resume, resumeTransfer) = state.withLock { $0.waitForChunk(continuation) }
                if resumeTransfer { driver.requestResume(self) }
                resume?.run()
            }
        } onCancel: {
            cancel(.cancelled.with(message: "the body consumer's task was cancelled"))
        }
    }

    /// The next body chunk if one is buffered, the end if it came, else `.notYet`; never suspends.
    func chunkIfReady() -> Result<HTTPClientResponseBody.ReadyChunk, HTTPClientError> {
        switch state.withLock({ $0.nextChunk() }) {
        case .chunk(let data, let resumeTransfer):
            if resumeTransfer { driver.requestResume(self) }
            return .success(.chunk(data))
        case .end: return .success(.end)
        case .failure(let error): return .failure(error)
        case .mustWait: return .success(.notYet)
        }
    }

    /// Ends the transfer from the Swift side; a no-op once it has ended.
    func cancel(_ error: HTTPClientError) {
        let (resumes, abort) = state.withLock { $0.cancel(error) }
        for resume in resumes { resume.run() }
        if abort { driver.requestAbort(self) }
    }

    /// The consumer saw its first event: the `firstEvent` limit no longer applies.
    func markFirstEvent() {
        let now = ContinuousClock.now
        state.withLock { $0.markFirstEvent(at: now) }
    }

    /// Counters for tests: the most bytes ever buffered, how often curl was paused, and whether it is now.
    var bufferStatistics: HTTPClientResponseBody.BufferStatistics {
        state.withLock { .init(maxBufferedBytes: $0.maxBufferedBytes, pauseCount: $0.pauseCount, isPaused: $0.paused) }
    }

    // MARK: Driver side (called on the driver thread only)

    var isFinished: Bool { state.withLock { $0.isFinished } }

    func started(at now: ContinuousClock.Instant) {
        state.withLock { $0.started(at: now) }
    }

    /// Returns whether curl should keep the line.
    func receivedHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let now = ContinuousClock.now
        let (accept, resume) = state.withLock { $0.receivedHeaderLine(bytes, at: now) }
        resume?.run()
        return accept
    }

    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> TransferState.WriteDecision {
        let now = ContinuousClock.now
        let (decision, resume) = state.withLock { $0.receivedBody(bytes, at: now) }
        resume?.run()
        return decision
    }

    func willResume() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { $0.willResume(at: now) }
    }

    func finished(_ result: Result<Void, HTTPClientError>) {
        let resumes = state.withLock { $0.finished(result) }
        for resume in resumes { resume.run() }
    }

    func checkDeadlines(at now: ContinuousClock.Instant) -> (expired: HTTPClientError?, next: ContinuousClock.Instant?)
    {
        state.withLock { $0.checkDeadlines(at: now) }
    }

    /// Whether the head arrived, for telling a connect timeout from a total one.
    var hasHead: Bool { state.withLock { $0.head != nil } }
}
