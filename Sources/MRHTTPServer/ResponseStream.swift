internal import CMicroHTTPD
import MRCommon
import Synchronization

/// The bridge between a task producing a streamed body and libmicrohttpd reading it.
///
/// The producer appends to a buffer; MHD's content-reader callback drains it. When the buffer is empty
/// the reader suspends the connection (so MHD does not busy-loop) and the next append resumes it. The
/// `suspended` flag and the append change under one lock, so a wake-up cannot be lost; the suspend call
/// happens under that lock too, so a resume can never overtake it.
final class ResponseStream: @unchecked Sendable {
    // @unchecked: all mutable state is inside `state` (a Mutex); `connection` is immutable and only used
    // while the daemon runs (the server resumes and closes every stream before stopping the daemon).
    private struct State {
        var buffer: [UInt8] = []
        var readOffset = 0
        var finished = false
        var closed = false
        var suspended = false
        var writerWaiter: CheckedContinuation<Void, any Error>?
        var lastWrite: ContinuousClock.Instant = .now
        var tasks: [Task<Void, Never>] = []
    }

    /// Past this many unread bytes a writer waits for the client.
    static let highWater = 256 * 1024

    private let state = Mutex(State())
    private let connection: OpaquePointer
    private let resumer: ConnectionResumer

    init(connection: OpaquePointer, resumer: ConnectionResumer) {
        self.connection = connection
        self.resumer = resumer
    }

    var isClosed: Bool { state.withLock { $0.closed || $0.finished } }

    /// Registers tasks (the producer) to cancel when the client goes away.
    func adopt(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            if state.closed { return true }
            state.tasks.append(task)
            return false
        }
        if cancelNow { task.cancel() }
    }

    // MARK: Producer side

    func write(_ bytes: [UInt8]) async throws {
        if bytes.isEmpty { return }
        enum Action { case none, resume, wait }
        let action = try state.withLock { state throws -> Action in
            guard !state.closed, !state.finished else { throw HTTPServerError.clientGone }
            state.buffer.append(contentsOf: bytes)
            state.lastWrite = .now
            if state.suspended {
                state.suspended = false
                return .resume
            }
            return state.buffer.count - state.readOffset > Self.highWater ? .wait : .none
        }
        switch action {
        case .none: return
        case .resume: resumer.resume(connection)
        case .wait:
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.closed { return .failure(HTTPServerError.clientGone) }
                    if state.buffer.count - state.readOffset <= Self.highWater { return .success(()) }
                    state.writerWaiter = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        }
    }

    /// Appends a heartbeat unless the stream has ended or still holds unread bytes (then it is not quiet); never
    /// waits. The write is also how a suspended connection finds its client gone.
    func sendHeartbeat(_ bytes: [UInt8]) {
        let resume = state.withLock { state -> Bool in
            guard !state.closed, !state.finished, state.buffer.count == state.readOffset else { return false }
            state.buffer.append(contentsOf: bytes)
            state.lastWrite = .now
            defer { state.suspended = false }
            return state.suspended
        }
        if resume { resumer.resume(connection) }
    }

    /// The time of the last write, for heartbeats.
    var lastWrite: ContinuousClock.Instant { state.withLock { $0.lastWrite } }

    /// Ends the body once the buffer is drained.
    func finish() {
        let resume = state.withLock { state -> Bool in
            state.finished = true
            defer { state.suspended = false }
            return state.suspended
        }
        if resume { resumer.resume(connection) }
    }

    // MARK: libmicrohttpd side

    /// Content-reader callback body: copies up to `max` bytes, or suspends, or reports the end.
    func read(into destination: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        var waiter: CheckedContinuation<Void, any Error>?
        let result = state.withLock { state -> Int in
            if state.closed { return -2 }  // MHD_CONTENT_READER_END_WITH_ERROR
            let available = state.buffer.count - state.readOffset
            if available > 0 {
                let count = min(available, max)
                state.buffer.withUnsafeBufferPointer { source in
                    UnsafeMutableRawPointer(destination).copyMemory(
                        from: source.baseAddress! + state.readOffset, byteCount: count)
                }
                state.readOffset += count
                if state.readOffset == state.buffer.count {
                    state.buffer.removeAll(keepingCapacity: state.buffer.capacity <= 64 * 1024)
                    state.readOffset = 0
                } else if state.readOffset > 64 * 1024 {
                    state.buffer.removeFirst(state.readOffset)
                    state.readOffset = 0
                }
                if state.buffer.count - state.readOffset <= Self.highWater / 2 {
                    waiter = state.writerWaiter
                    state.writerWaiter = nil
                }
                return count
            }
            if state.finished { return -1 }  // MHD_CONTENT_READER_END_OF_STREAM
            state.suspended = true
            MHD_suspend_connection(connection)
            return 0
        }
        waiter?.resume()
        return result
    }

    /// The client left, the request ended, or the server is stopping: wake and cancel everyone.
    /// Returns true when the connection was suspended and the caller (shutdown) must resume it.
    @discardableResult
    func close() -> Bool {
        let (waiter, tasks, wasSuspended) = state.withLock { state in
            state.closed = true
            let taken = (state.writerWaiter, state.tasks, state.suspended)
            state.writerWaiter = nil
            state.tasks = []
            state.suspended = false
            return taken
        }
        waiter?.resume(throwing: HTTPServerError.clientGone)
        for task in tasks { task.cancel() }
        return wasSuspended
    }

    /// Cancels the producer without closing the connection, so it can still write a last event.
    func cancelProducer() {
        let tasks = state.withLock { $0.tasks }
        for task in tasks { task.cancel() }
    }

    /// Resumes the connection if suspended; used at shutdown after `close()`.
    func resumeConnection() {
        resumer.resume(connection)
    }
}

/// Resumes suspended connections. On an event loop it also makes the loop run the daemon: libmicrohttpd's own
/// wake-up for a resumed connection does not reach an external loop.
struct ConnectionResumer: Sendable {
    let loop: (any EventLoop)?

    func resume(_ connection: OpaquePointer) {
        MHD_resume_connection(connection)
        loop?.requestRun()
    }
}
